using System.Security.Cryptography;
using System.Text;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>An account name and key for Shared Key authorization. The key never leaves this type.</summary>
public sealed class StorageSharedKeyCredential
{
    private readonly byte[] _key;

    public StorageSharedKeyCredential(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountKey);
        AccountName = accountName;
        try
        {
            _key = Convert.FromBase64String(accountKey);
        }
        catch (FormatException)
        {
            // Do not echo the key back in the message.
            throw new FormatException($"The account key of storage account '{accountName}' is not valid base64.");
        }
    }

    public string AccountName { get; }

    internal string ComputeSignature(string stringToSign)
        => Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));

    public override string ToString() => $"SharedKey({AccountName})";
}
