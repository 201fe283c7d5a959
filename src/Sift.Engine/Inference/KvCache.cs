using Sift.Engine.Tensors;

namespace Sift.Engine.Inference;

/// <summary>
/// Key/value caches of an <see cref="InferenceSession"/>, one block per slot laid out [L, K|V, capacity, KvDim], grown
/// (doubling, up to the session's max length) as its sequence grows. A session sized for a 128k-token context
/// therefore holds only what its sequences use: the cache of one 4k-token sequence of an 8B Llama is 1 GB, of a
/// 128k one 34 GB.
/// </summary>
internal sealed unsafe class KvCache(int slots, int layers, int kvDim, int maxLength) : IDisposable
{
    private const int MinCapacity = 64;
    private readonly NativeBuffer?[] _blocks = new NativeBuffer?[slots];
    private readonly int[] _capacity = new int[slots];

    /// <summary>Bytes held by every slot.</summary>
    public long Bytes => _blocks.Sum(b => b is null ? 0 : b.Length * sizeof(float));

    /// <summary>Makes slot <paramref name="slot"/> hold positions [0, <paramref name="length"/>), keeping the first <paramref name="keep"/>.</summary>
    public void Ensure(int slot, int length, int keep)
    {
        int cap = _capacity[slot];
        if (length <= cap)
        {
            return;
        }
        int next = Math.Min(maxLength, Math.Max(length, Math.Max(MinCapacity, 2 * cap)));
        var grown = new NativeBuffer((long)layers * 2 * next * kvDim);
        if (_blocks[slot] is NativeBuffer old)
        {
            long rows = (long)Math.Min(keep, cap) * kvDim;
            for (int lk = 0; lk < 2 * layers; lk++)
            {
                Buffer.MemoryCopy(old.Ptr + (long)lk * cap * kvDim, grown.Ptr + (long)lk * next * kvDim, rows * sizeof(float), rows * sizeof(float));
            }
            old.Dispose();
        }
        _blocks[slot] = grown;
        _capacity[slot] = next;
    }

    /// <summary>Keys of <paramref name="slot"/> at <paramref name="layer"/>: [capacity, KvDim].</summary>
    public float* Keys(int slot, int layer) => _blocks[slot]!.Ptr + (long)layer * 2 * _capacity[slot] * kvDim;

    /// <summary>Values of <paramref name="slot"/> at <paramref name="layer"/>: [capacity, KvDim].</summary>
    public float* Values(int slot, int layer) => Keys(slot, layer) + (long)_capacity[slot] * kvDim;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in _blocks)
        {
            b?.Dispose();
        }
        Array.Clear(_blocks);
    }
}
