using ClientMonitor.Core.Tenancy;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClientMonitor.Application.Api;

/// <summary>
/// Bearer-token settings (section <c>Auth</c>). In Azure: <c>Authority</c> (the Entra ID issuer, whose signing keys
/// are fetched from its metadata) and <c>Audience</c>. Locally: <c>SigningKey</c> (base64, at least 32 bytes, from
/// local settings, never from the repository) with <c>Issuer</c> and <c>Audience</c>; allowed in Development and
/// Testing only. The claim names say where the user id, business id and role are. Operators are a separate identity:
/// locally tokens of <c>OperatorIssuer</c>, in Azure tokens carrying the Entra app role <c>OperatorAppRole</c>
/// (see <see cref="ApiCallers"/>).
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const string DevelopmentIssuer = "clientmonitor-local";
    public const string DefaultAudience = "api://clientmonitor";
    public const string DevelopmentOperatorIssuer = "clientmonitor-local-operator";

    public string? Authority { get; set; }

    public string? Issuer { get; set; }

    public string Audience { get; set; } = DefaultAudience;

    public string? SigningKey { get; set; }

    public string UserIdClaim { get; set; } = "sub";

    public string BusinessIdClaim { get; set; } = "business_id";

    public string RoleClaim { get; set; } = "role";

    /// <summary>Locally: the issuer whose tokens are operators'. Never the tenant tokens' issuer.</summary>
    public string OperatorIssuer { get; set; } = DevelopmentOperatorIssuer;

    /// <summary>In Azure: the app role (assigned in Entra ID) whose bearers are operators.</summary>
    public string OperatorAppRole { get; set; } = "ClientMonitor.Operator";

    /// <summary>Where Entra ID puts assigned app roles.</summary>
    public string AppRolesClaim { get; set; } = "roles";

    public string TenantIssuer => Issuer ?? DevelopmentIssuer;

    public bool UsesDevelopmentKey => !string.IsNullOrEmpty(SigningKey);

    /// <summary>The development key, when <c>SigningKey</c> is base64 of at least 32 bytes.</summary>
    public bool TryGetDevelopmentKey(out SymmetricSecurityKey key)
    {
        key = null!;
        if (string.IsNullOrEmpty(SigningKey))
        {
            return false;
        }

        var bytes = new byte[SigningKey.Length];
        if (!Convert.TryFromBase64String(SigningKey, bytes, out var length) || length < 32)
        {
            return false;
        }

        key = new SymmetricSecurityKey(bytes.AsSpan(0, length).ToArray());
        return true;
    }
}

internal sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        var hasAuthority = !string.IsNullOrWhiteSpace(options.Authority);
        if (hasAuthority == options.UsesDevelopmentKey)
        {
            failures.Add("Set exactly one of Auth:Authority (Entra ID) or Auth:SigningKey (local development).");
        }

        if (hasAuthority && !Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) | authority?.Scheme != Uri.UriSchemeHttps)
        {
            failures.Add("Auth:Authority must be an https URL, for example https://login.microsoftonline.com/{tenant-id}/v2.0.");
        }

        if (options.UsesDevelopmentKey)
        {
            if (!environment.IsDevelopment() && !environment.IsEnvironment("Testing"))
            {
                failures.Add("Auth:SigningKey is for local development only; in Azure configure Auth:Authority (Entra ID).");
            }

            if (!options.TryGetDevelopmentKey(out _))
            {
                failures.Add("Auth:SigningKey must be base64 of at least 32 random bytes (scripts/run.sh makes one).");
            }

            if (string.IsNullOrWhiteSpace(options.OperatorIssuer) || options.OperatorIssuer == options.TenantIssuer)
            {
                failures.Add("Auth:OperatorIssuer must be set and differ from Auth:Issuer: a business's token must never pass for an operator's.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Auth:Audience is required.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Who is calling: from the validated token's claims. Every query is scoped by <c>BusinessId</c>.</summary>
public sealed record Caller(string UserId, string BusinessId, UserRole Role)
{
    public bool IsAdmin => Role == UserRole.Admin;
}

public static class ApiRoles
{
    public const string Admin = "admin";
    public const string Member = "member";

    /// <summary>A ClientMonitor operator: onboards businesses; belongs to none.</summary>
    public const string Operator = "operator";

    public const string TenantPolicy = "tenant";
    public const string AdminPolicy = "tenant-admin";
    public const string OperatorPolicy = "operator";
}

public static class ApiAuth
{
    public static IServiceCollection AddApiAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            // Keep claim names as issued ("sub", "role"), not remapped to long SOAP-era URIs.
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidAudience = auth.Audience,
                NameClaimType = auth.UserIdClaim,
                ClockSkew = TimeSpan.FromMinutes(2),
            };
            if (auth.TryGetDevelopmentKey(out var key))
            {
                options.TokenValidationParameters.ValidIssuers = [auth.TenantIssuer, auth.OperatorIssuer];
                options.TokenValidationParameters.IssuerSigningKey = key;
                options.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            }
            else
            {
                options.Authority = auth.Authority;
                options.TokenValidationParameters.ValidIssuer = auth.Issuer ?? auth.Authority;
            }

            options.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var detail = context.AuthenticateFailure is null
                        ? "A bearer token is required (Authorization: Bearer <token>)."
                        : "The bearer token is not valid: it is expired, not yet valid, or not signed by the configured issuer.";
                    await ApiProblems.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
                },
                OnForbidden = context => ApiProblems.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this operation."),
            };
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(ApiRoles.TenantPolicy, p => p.RequireClaim(ApiCallers.KindClaim, ApiRoles.Admin, ApiRoles.Member))
            .AddPolicy(ApiRoles.AdminPolicy, p => p.RequireClaim(ApiCallers.KindClaim, ApiRoles.Admin))
            .AddPolicy(ApiRoles.OperatorPolicy, p => p.RequireClaim(ApiCallers.KindClaim, ApiRoles.Operator));
        return services;
    }

    /// <summary>
    /// Mints a token signed with the development key: for <c>clientmonitor token</c>, the demo and tests. An
    /// operator's comes from the operator issuer; <paramref name="issuer"/> overrides that (tests of forged claims).
    /// </summary>
    public static string MintDevelopmentToken(AuthOptions options, string userId, string? businessId, string role, DateTimeOffset now, TimeSpan lifetime, string? issuer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.TryGetDevelopmentKey(out var key))
        {
            throw new InvalidOperationException("Auth:SigningKey is not set; scripts/run.sh writes one to .dev/signing-key.");
        }

        var claims = new Dictionary<string, object> { [options.UserIdClaim] = userId, [options.RoleClaim] = role };
        if (businessId is not null)
        {
            claims[options.BusinessIdClaim] = businessId;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? (role == ApiRoles.Operator ? options.OperatorIssuer : options.TenantIssuer),
            Audience = options.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }


    /// <summary>A fresh random development key, base64.</summary>
    public static string NewDevelopmentKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
