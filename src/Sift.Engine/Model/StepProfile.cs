using System.Diagnostics;

namespace Sift.Engine.Model;

/// <summary>Kinds of work in a training step, for <see cref="StepProfile"/>.</summary>
public enum StepOp
{
    /// <summary>Projection GEMMs (q/k/v, o, gate/up, down, LM head), forward and backward.</summary>
    Gemm,

    /// <summary>Causal attention (scores, softmax, weighted values) and its backward.</summary>
    Attention,

    /// <summary>Softmax cross-entropy over the vocabulary, forward and backward.</summary>
    Loss,

    /// <summary>RMSNorm forward and backward.</summary>
    Norm,

    /// <summary>Rotary embedding forward and backward.</summary>
    Rope,

    /// <summary>SwiGLU gate forward and backward.</summary>
    SwiGlu,

    /// <summary>Embedding lookup, its scatter-add backward, residual copies and buffer clears.</summary>
    Other,

    /// <summary>Gradient norm, clipping and the AdamW update (timed by the caller).</summary>
    Optimizer,
}

/// <summary>
/// Accumulated wall time per <see cref="StepOp"/>. Attach one to a <see cref="TrainingGraph"/> to see where a
/// step's time goes (`sift bench` prints it); without one the graph does not read the clock at all.
/// </summary>
public sealed class StepProfile
{
    private readonly long[] _ticks = new long[Enum.GetValues<StepOp>().Length];

    /// <summary>Seconds spent in <paramref name="op"/> since the last <see cref="Reset"/>.</summary>
    public double Seconds(StepOp op) => _ticks[(int)op] / (double)Stopwatch.Frequency;

    /// <summary>Total seconds over all ops.</summary>
    public double TotalSeconds => _ticks.Sum() / (double)Stopwatch.Frequency;

    /// <summary>Forgets all accumulated time.</summary>
    public void Reset() => Array.Clear(_ticks);

    /// <summary>Adds the time since <paramref name="startTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/>) to <paramref name="op"/>.</summary>
    public void Add(StepOp op, long startTimestamp) => _ticks[(int)op] += Stopwatch.GetTimestamp() - startTimestamp;

    /// <summary>Starts timing <paramref name="op"/> on <paramref name="profile"/> (a no-op scope when null); dispose to stop.</summary>
    public static Scope Time(StepProfile? profile, StepOp op) => new(profile, op);

    /// <summary>A timed region; ends on Dispose.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly StepProfile? _profile;
        private readonly StepOp _op;
        private readonly long _start;

        internal Scope(StepProfile? profile, StepOp op)
        {
            _profile = profile;
            _op = op;
            _start = profile is null ? 0 : Stopwatch.GetTimestamp();
        }

        /// <inheritdoc />
        public void Dispose() => _profile?.Add(_op, _start);
    }
}
