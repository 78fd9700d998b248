using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Azure;

namespace ClientMonitor.Infrastructure.Tables;

/// <summary>Maps <typeparamref name="T"/> to and from the Table service's JSON, with Edm type annotations.</summary>
internal static class TableEntityMapper<T>
    where T : class, ITableEntity, new()
{
    private static readonly PropertyMap[] Properties = typeof(T)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0)
        .Where(p => p.Name is not (nameof(ITableEntity.ETag) or nameof(ITableEntity.Timestamp)))
        .Select(PropertyMap.Create)
        .ToArray();

    private static readonly Dictionary<string, PropertyMap> ByName = Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);

    public static byte[] Serialize(T entity)
    {
        TableKeys.Validate(entity.PartitionKey, nameof(entity.PartitionKey));
        TableKeys.Validate(entity.RowKey, nameof(entity.RowKey));
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var property in Properties)
            {
                property.Write(writer, property.Info.GetValue(entity));
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    public static T Deserialize(JsonElement json, ETag? etagFromHeader = null)
    {
        var entity = new T();
        foreach (var item in json.EnumerateObject())
        {
            if (item.Name == "odata.etag")
            {
                entity.ETag = new ETag(item.Value.GetString()!);
            }
            else if (item.Name == nameof(ITableEntity.Timestamp))
            {
                entity.Timestamp = DateTimeOffset.Parse(item.Value.GetString()!, CultureInfo.InvariantCulture);
            }
            else if (ByName.TryGetValue(item.Name, out var property))
            {
                property.Info.SetValue(entity, property.Read(item.Value));
            }
        }

        if (etagFromHeader is { } etag)
        {
            entity.ETag = etag;
        }

        return entity;
    }

    private sealed record PropertyMap(PropertyInfo Info, Type ValueType, string? EdmType)
    {
        public string Name => Info.Name;

        public static PropertyMap Create(PropertyInfo info)
        {
            var type = Nullable.GetUnderlyingType(info.PropertyType) ?? info.PropertyType;
            var edm = type switch
            {
                _ when type == typeof(string) || type == typeof(bool) || type == typeof(int) || type.IsEnum => null,
                _ when type == typeof(long) => "Edm.Int64",
                _ when type == typeof(double) => "Edm.Double",
                _ when type == typeof(DateTimeOffset) => "Edm.DateTime",
                _ when type == typeof(Guid) => "Edm.Guid",
                _ when type == typeof(byte[]) => "Edm.Binary",
                _ => throw new NotSupportedException(
                    $"{typeof(T).Name}.{info.Name} has type {type.Name}, which a table entity cannot store."),
            };
            return new PropertyMap(info, type, edm);
        }

        public void Write(Utf8JsonWriter writer, object? value)
        {
            if (value is null)
            {
                return;
            }

            switch (value)
            {
                case string s: writer.WriteString(Name, s); break;
                case bool b: writer.WriteBoolean(Name, b); break;
                case int i: writer.WriteNumber(Name, i); break;
                case long l: writer.WriteString(Name, l.ToString(CultureInfo.InvariantCulture)); break;
                case double d:
                    if (double.IsFinite(d))
                    {
                        writer.WriteNumber(Name, d);
                    }
                    else
                    {
                        writer.WriteString(Name, d.ToString(CultureInfo.InvariantCulture));
                    }

                    break;
                case DateTimeOffset t: writer.WriteString(Name, TableKeys.FormatDateTime(t)); break;
                case Guid g: writer.WriteString(Name, g.ToString("D")); break;
                case byte[] bytes: writer.WriteBase64String(Name, bytes); break;
                case Enum e: writer.WriteString(Name, e.ToString()); break;
                default: throw new NotSupportedException($"Cannot write {value.GetType().Name} to a table.");
            }

            if (EdmType is not null)
            {
                writer.WriteString(Name + "@odata.type", EdmType);
            }
        }

        public object? Read(JsonElement value)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            var t = ValueType;
            if (t == typeof(string)) return value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
            if (t == typeof(bool)) return value.GetBoolean();
            if (t == typeof(int)) return value.GetInt32();
            if (t == typeof(long)) return value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt64();
            if (t == typeof(double)) return value.ValueKind == JsonValueKind.String ? double.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetDouble();
            if (t == typeof(DateTimeOffset)) return DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            if (t == typeof(Guid)) return Guid.Parse(value.GetString()!);
            if (t == typeof(byte[])) return value.GetBytesFromBase64();
            if (t.IsEnum) return Enum.Parse(t, value.GetString()!, ignoreCase: true);
            throw new NotSupportedException($"Cannot read {t.Name} from a table.");
        }
    }
}
