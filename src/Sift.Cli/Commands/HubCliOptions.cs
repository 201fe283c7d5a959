using System.CommandLine;
using Sift.Core.Reporting;
using Sift.Hub;

namespace Sift.Cli.Commands;

/// <summary>
/// The Hugging Face Hub side of <c>-m/--model</c> and of benchmark files: <c>--offline</c>, and the one resolver call
/// each command makes (a local folder wins; <c>org/name[@revision]</c> comes from the shared Hub cache or is
/// downloaded into it with progress and ETA on stderr).
/// </summary>
internal sealed class HubCliOptions
{
    public Option<bool> Offline { get; } = new("--offline") { Description = "Use only the Hugging Face cache, never the network (as HF_HUB_OFFLINE=1)" };

    public void AddTo(Command cmd) => cmd.Add(Offline);

    /// <summary>Settings from HF_* variables plus --offline.</summary>
    public HubSettings Settings(ParseResult pr) => HubSettings.FromEnvironment(pr.GetValue(Offline));

    /// <summary>The model folder for a --model value (null when the option was not given).</summary>
    public ResolvedModel? Model(ParseResult pr, Option<string?> model, bool quiet = false) =>
        pr.GetValue(model) is { } spec ? Resolve(Settings(pr), quiet, r => r.ResolveModel(spec)) : null;

    /// <summary>Runs <paramref name="body"/> with a resolver whose downloads report to the console.</summary>
    public static T Resolve<T>(HubSettings settings, bool quiet, Func<HubResolver, T> body)
    {
        IProgressReporter progress = quiet ? NullProgress.Instance : new ConsoleProgress();
        using var resolver = new HubResolver(settings,
            p => progress.Report($"download {p.File}", p.Done, p.Total, $"{p.Done / 1048576.0:0.0}/{p.Total / 1048576.0:0.0} MiB"),
            note => progress.Line(note));
        try
        {
            return body(resolver);
        }
        finally
        {
            progress.Done();
        }
    }
}
