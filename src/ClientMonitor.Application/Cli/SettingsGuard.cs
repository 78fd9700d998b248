using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Cli;

/// <summary>
/// A settings mistake is the operator's to fix, so a command answers it with the setting and what is wrong, never a
/// stack trace: a failed options validation (each failure names its setting), or a value the configuration cannot
/// convert (the binder's message names the key and the type).
/// </summary>
internal static class SettingsGuard
{
    /// <param name="error">Where the settings' problems are written.</param>
    /// <param name="command">The command.</param>
    /// <param name="exitCode">The exit code for a settings mistake (config-check's "a setting must be fixed" is 1; other commands fail with 2).</param>
    public static async Task<int> RunAsync(TextWriter error, Func<Task<int>> command, int exitCode = 2)
    {
        try
        {
            return await command();
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                await error.WriteLineAsync("setting: " + failure);
            }

            return exitCode;
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            await error.WriteLineAsync("setting: " + ex.Message);
            return exitCode;
        }
    }
}
