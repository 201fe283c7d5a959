using System.Text;

namespace Sift.Sandbox;

/// <summary>
/// Keeps the first and last <c>limit/2</c> bytes of a stream and counts the rest, so a program that prints without
/// end costs bounded memory and its last lines (where results usually are) survive.
/// </summary>
internal sealed class BoundedCapture
{
    private readonly byte[] _head;
    private readonly byte[] _tail; // ring buffer
    private int _headLength;
    private long _tailWritten;

    public BoundedCapture(int limit)
    {
        _head = new byte[Math.Max(1, limit - (limit / 2))];
        _tail = new byte[Math.Max(1, limit / 2)];
    }

    /// <summary>Bytes seen in all.</summary>
    public long Total { get; private set; }

    /// <summary>True when bytes were dropped.</summary>
    public bool Truncated => Total > _head.Length + _tail.Length;

    public void Append(ReadOnlySpan<byte> data)
    {
        Total += data.Length;
        int toHead = Math.Min(data.Length, _head.Length - _headLength);
        data[..toHead].CopyTo(_head.AsSpan(_headLength));
        _headLength += toHead;
        data = data[toHead..];
        if (data.Length >= _tail.Length)
        {
            data = data[^_tail.Length..]; // older bytes would be overwritten anyway
        }

        foreach (byte b in data)
        {
            _tail[(int)(_tailWritten++ % _tail.Length)] = b;
        }
    }

    /// <summary>The kept text (UTF-8, invalid bytes replaced); a cut is marked with the number of bytes dropped.</summary>
    public override string ToString()
    {
        var head = Encoding.UTF8.GetString(_head, 0, _headLength);
        if (_tailWritten == 0)
        {
            return head;
        }

        int kept = (int)Math.Min(_tailWritten, _tail.Length);
        var tail = new byte[kept];
        long start = _tailWritten - kept;
        for (int i = 0; i < kept; i++)
        {
            tail[i] = _tail[(int)((start + i) % _tail.Length)];
        }

        var tailText = Encoding.UTF8.GetString(tail);
        long dropped = Total - _headLength - kept;
        return dropped > 0 ? $"{head}\n...[{dropped} bytes cut by the sandbox]...\n{tailText}" : head + tailText;
    }

    /// <summary>Copies a stream into the capture until it ends; calls <paramref name="onData"/> after each read.</summary>
    public async Task PumpAsync(Stream stream, Action onData)
    {
        var buffer = new byte[16 << 10];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (this)
                {
                    Append(buffer.AsSpan(0, n));
                }

                onData();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe was closed under us (the run was abandoned); what was read so far stands.
        }
    }
}
