using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;

namespace Sift.Cli;

/// <summary>
/// Runs a command body with Sift's error policy: user errors (<see cref="SiftException"/>, bad arguments,
/// missing files) print one clear line and exit 2; Ctrl-C exits 130; anything else is a bug and shows the trace.
/// </summary>
public static class CommandRunner
{
    /// <summary>Exit code for bad input.</summary>
    public const int UserError = 2;

    /// <summary>Runs <paramref name="body"/> and maps exceptions to exit codes.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (SiftException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return UserError;
        }
        catch (FileNotFoundException ex)
        {
            Console.Error.WriteLine($"error: file not found: {ex.FileName ?? ex.Message}");
            return UserError;
        }
        catch (DirectoryNotFoundException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return UserError;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
    }

    /// <summary>Writes a JSON summary to stdout (indented, one document).</summary>
    public static void WriteJson(JsonNode node) =>
        Console.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>A token that is cancelled on Ctrl-C (first press; the second press kills the process).</summary>
    public static CancellationToken CtrlC()
    {
        var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (!cts.IsCancellationRequested)
            {
                e.Cancel = true;
                Console.Error.WriteLine("\nstopping after the current step (Ctrl-C again to kill)...");
                cts.Cancel();
            }
        };
        return cts.Token;
    }
}
