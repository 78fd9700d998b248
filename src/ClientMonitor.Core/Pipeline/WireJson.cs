using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClientMonitor.Core.Pipeline;

/// <summary>
/// The one JSON shape of the product (API bodies, queue messages, JSON stored in table columns): snake_case names
/// and snake_case enum values, as in the seeds (<c>"category": "leadership_change"</c>).
/// </summary>
public static class WireJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);

    /// <summary>An enum value's wire name (<c>leadership_change</c>), for text, metric dimensions and messages.</summary>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum
        => Serialize(value).Trim('"');
}
