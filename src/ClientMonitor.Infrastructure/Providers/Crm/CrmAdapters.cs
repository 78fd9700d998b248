using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Infrastructure.Providers.Crm;

/// <summary>Salesforce connected-app settings for the OAuth 2.0 refresh-token flow.</summary>
public sealed class SalesforceOptions
{
    /// <summary>Token endpoint host (default <c>https://login.salesforce.com/</c>; sandboxes use test.salesforce.com).</summary>
    public Uri? LoginUrl { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public string? RefreshToken { get; set; }

    public string ApiVersion { get; set; } = "v60.0";
}

/// <summary>
/// Salesforce: a refresh-token grant gives an access token and the org's <c>instance_url</c>; one SOQL query with
/// sub-queries reads the account, its contacts, its open and last-year opportunities and its open cases. A 401 on the
/// query refreshes the token once (tokens expire by session policy).
/// </summary>
public sealed partial class SalesforceCrmProvider(HttpClient http, SalesforceOptions options, ProviderGateway gateway, TimeProvider time) : ICrmProvider, IDisposable
{
    public const string ProviderName = "salesforce";
    public static readonly Uri DefaultLoginUrl = new("https://login.salesforce.com/");
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private (string AccessToken, Uri InstanceUrl)? _token;

    public string Name => ProviderName;

    public bool CanEnrich(Client client) => client?.SalesforceAccountId is { Length: > 0 };

    public void Dispose() => _tokenLock.Dispose();

    public Task<CrmContext?> EnrichAsync(Client client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var accountId = client.SalesforceAccountId ?? string.Empty;
        if (!AccountId().IsMatch(accountId))
        {
            // Validated rather than escaped: an id is 15 or 18 letters and digits, nothing else reaches SOQL.
            throw new ProviderException(ProviderName, ProviderFailureKind.Configuration, $"client {client.Id} has an invalid Salesforce account id");
        }

        var soql = "SELECT Id, Name, LastActivityDate, (SELECT Id FROM Contacts), "
            + "(SELECT Amount, IsClosed, IsWon, CloseDate FROM Opportunities WHERE IsClosed = false OR CloseDate = LAST_N_DAYS:365), "
            + "(SELECT Priority FROM Cases WHERE IsClosed = false) "
            + $"FROM Account WHERE Id = '{accountId}'";
        return gateway.ExecuteAsync(ProviderName, async ct =>
        {
            using var json = await QueryAsync(soql, ct).ConfigureAwait(false);
            var account = json.RootElement.Array("records").FirstOrDefault();
            if (account.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var opportunities = Records(account, "Opportunities").ToList();
            var cases = Records(account, "Cases").ToList();
            var facts = new CrmFacts(
                ProviderName,
                account.String("Name"),
                Records(account, "Contacts").Count(),
                opportunities.Count(o => !Bool(o, "IsClosed")),
                opportunities.Where(o => !Bool(o, "IsClosed")).Sum(o => o.TryGetProperty("Amount", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetDecimal() : 0m),
                opportunities.Count(o => Bool(o, "IsClosed") && Bool(o, "IsWon")),
                opportunities.Count(o => Bool(o, "IsClosed") && !Bool(o, "IsWon")),
                cases.Count,
                cases.Count(c => c.String("Priority") is "High" or "Critical"),
                DateTimeOffset.TryParse(account.String("LastActivityDate"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var last) ? last : null);
            return (CrmContext?)CrmScoring.Score(facts, time.GetUtcNow());
        }, cancellationToken);
    }

    private async Task<JsonDocument> QueryAsync(string soql, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (token, instance) = await TokenAsync(refresh: attempt > 0, cancellationToken).ConfigureAwait(false);
            var url = new Uri(instance, $"services/data/{options.ApiVersion}/query?q={Uri.EscapeDataString(soql)}");
            try
            {
                return await ProviderHttp.SendForJsonAsync(http, ProviderName, () =>
                {
                    var message = new HttpRequestMessage(HttpMethod.Get, url);
                    message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    return message;
                }, time, cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderHttpException ex) when (ex.Status == HttpStatusCode.Unauthorized && attempt == 0)
            {
                // The session expired: get a new access token once, then let a second 401 stand.
            }
        }
    }

    private async Task<(string, Uri)> TokenAsync(bool refresh, CancellationToken cancellationToken)
    {
        await _tokenLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is { } cached && !refresh)
            {
                return cached;
            }

            var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = options.ClientId ?? string.Empty,
                ["client_secret"] = options.ClientSecret ?? string.Empty,
                ["refresh_token"] = options.RefreshToken ?? string.Empty,
            });
            try
            {
                using var json = await ProviderHttp.SendForJsonAsync(
                    http, ProviderName, () => new HttpRequestMessage(HttpMethod.Post, new Uri(options.LoginUrl ?? DefaultLoginUrl, "services/oauth2/token")) { Content = form }, time, cancellationToken).ConfigureAwait(false);
                var accessToken = json.RootElement.String("access_token");
                var instanceUrl = json.RootElement.String("instance_url");
                if (accessToken is null || !Uri.TryCreate(instanceUrl, UriKind.Absolute, out var instance))
                {
                    throw new ProviderException(ProviderName, ProviderFailureKind.InvalidResponse, "token response without access_token or instance_url");
                }

                _token = (accessToken, instance);
                return _token.Value;
            }
            catch (ProviderHttpException ex) when (ex.Status == HttpStatusCode.BadRequest)
            {
                // Salesforce answers invalid_grant / invalid_client with 400: a configuration problem, not an outage.
                throw new ProviderException(ProviderName, ProviderFailureKind.Configuration, "the refresh token or connected app was refused (400 from the token endpoint)", ex);
            }
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    private static IEnumerable<JsonElement> Records(JsonElement account, string relation)
        => account.TryGetProperty(relation, out var related) && related.ValueKind == JsonValueKind.Object ? related.Array("records") : [];

    private static bool Bool(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    [GeneratedRegex("^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")]
    private static partial Regex AccountId();
}

/// <summary>HubSpot private-app settings.</summary>
public sealed class HubSpotOptions
{
    public Uri? BaseUrl { get; set; }

    public string? AccessToken { get; set; }
}

/// <summary>
/// HubSpot CRM v3: the company with its deal and ticket associations, then the deals and tickets through the batch
/// read endpoints. A 404 for the company means the client is linked to a company that no longer exists.
/// </summary>
public sealed partial class HubSpotCrmProvider(HttpClient http, HubSpotOptions options, ProviderGateway gateway, TimeProvider time) : ICrmProvider
{
    public const string ProviderName = "hubspot";
    public static readonly Uri DefaultBaseUrl = new("https://api.hubapi.com/");

    public string Name => ProviderName;

    public bool CanEnrich(Client client) => client?.HubSpotCompanyId is { Length: > 0 };

    public Task<CrmContext?> EnrichAsync(Client client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var companyId = client.HubSpotCompanyId ?? string.Empty;
        if (!CompanyId().IsMatch(companyId))
        {
            throw new ProviderException(ProviderName, ProviderFailureKind.Configuration, $"client {client.Id} has an invalid HubSpot company id");
        }

        var baseUrl = options.BaseUrl ?? DefaultBaseUrl;
        return gateway.ExecuteAsync(ProviderName, async ct =>
        {
            JsonDocument company;
            try
            {
                company = await SendAsync(HttpMethod.Get, new Uri(baseUrl, $"crm/v3/objects/companies/{companyId}?properties=name,num_associated_contacts,notes_last_updated&associations=deals,tickets"), null, ct).ConfigureAwait(false);
            }
            catch (ProviderHttpException ex) when (ex.Status == HttpStatusCode.NotFound)
            {
                return null;
            }

            using (company)
            {
                var root = company.RootElement;
                var properties = root.GetProperty("properties");
                var dealIds = AssociationIds(root, "deals");
                var ticketIds = AssociationIds(root, "tickets");
                var deals = await BatchReadAsync(baseUrl, "deals", dealIds, ["amount", "hs_is_closed", "hs_is_closed_won", "closedate"], ct).ConfigureAwait(false);
                var tickets = await BatchReadAsync(baseUrl, "tickets", ticketIds, ["hs_ticket_priority", "closed_date"], ct).ConfigureAwait(false);
                var now = time.GetUtcNow();
                var lastYear = now.AddDays(-365);
                var open = deals.Where(d => d.String("hs_is_closed") != "true").ToList();
                var closedLastYear = deals.Where(d => d.String("hs_is_closed") == "true" && Date(d.String("closedate")) >= lastYear).ToList();
                var openTickets = tickets.Where(t => string.IsNullOrEmpty(t.String("closed_date"))).ToList();
                var facts = new CrmFacts(
                    ProviderName,
                    properties.String("name"),
                    int.TryParse(properties.String("num_associated_contacts"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var contacts) ? contacts : 0,
                    open.Count,
                    open.Sum(d => decimal.TryParse(d.String("amount"), NumberStyles.Number, CultureInfo.InvariantCulture, out var amount) ? amount : 0m),
                    closedLastYear.Count(d => d.String("hs_is_closed_won") == "true"),
                    closedLastYear.Count(d => d.String("hs_is_closed_won") != "true"),
                    openTickets.Count,
                    openTickets.Count(t => t.String("hs_ticket_priority") is "HIGH" or "URGENT"),
                    Date(properties.String("notes_last_updated")));
                return (CrmContext?)CrmScoring.Score(facts, now);
            }
        }, cancellationToken);
    }

    private async Task<List<JsonElement>> BatchReadAsync(Uri baseUrl, string objectType, List<string> ids, string[] properties, CancellationToken cancellationToken)
    {
        var result = new List<JsonElement>();
        // The batch endpoints take at most 100 ids per call.
        foreach (var chunk in ids.Chunk(100))
        {
            var body = new { properties, inputs = chunk.Select(id => new { id }) };
            using var json = await SendAsync(HttpMethod.Post, new Uri(baseUrl, $"crm/v3/objects/{objectType}/batch/read"), body, cancellationToken).ConfigureAwait(false);
            result.AddRange(json.RootElement.Array("results").Select(r => r.TryGetProperty("properties", out var p) ? p.Clone() : default));
        }

        return result;
    }

    private Task<JsonDocument> SendAsync(HttpMethod method, Uri url, object? body, CancellationToken cancellationToken)
        => ProviderHttp.SendForJsonAsync(http, ProviderName, () =>
        {
            var message = new HttpRequestMessage(method, url);
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.AccessToken);
            if (body is not null)
            {
                message.Content = JsonContent.Create(body);
            }

            return message;
        }, time, cancellationToken);

    private static List<string> AssociationIds(JsonElement company, string kind)
        => company.TryGetProperty("associations", out var associations) && associations.TryGetProperty(kind, out var list)
            ? list.Array("results").Select(r => r.String("id")).OfType<string>().Distinct(StringComparer.Ordinal).ToList()
            : [];

    private static DateTimeOffset? Date(string? value)
        => DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null;

    [GeneratedRegex("^[0-9]{1,20}$")]
    private static partial Regex CompanyId();
}
