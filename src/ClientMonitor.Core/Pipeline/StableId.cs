using System.Security.Cryptography;
using System.Text;

namespace ClientMonitor.Core.Pipeline;

/// <summary>
/// Ids derived from natural keys: the same parts always give the same id, so a redelivered message writes the
/// same rows instead of new ones. 32 lowercase hex characters (128 bits of SHA-256).
/// </summary>
public static class StableId
{
    public static string From(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        // A separator that cannot occur in the parts' text, so ("ab","c") and ("a","bc") differ.
        var joined = string.Join('\u001f', parts);
        return Hash(joined)[..32];
    }

    /// <summary>Full lowercase hex SHA-256 of the UTF-8 text.</summary>
    public static string Hash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
