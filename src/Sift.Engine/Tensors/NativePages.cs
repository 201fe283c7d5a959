using System.Runtime.InteropServices;

namespace Sift.Engine.Tensors;

/// <summary>
/// Aligned native allocations. Blocks of 2 MiB or more are 2 MiB-aligned and, on Linux, advised to use transparent
/// huge pages (MADV_HUGEPAGE; kernels in "madvise" mode give them only on request): streaming gigabytes of weights
/// through 4 KiB pages costs a TLB miss per page and stops the hardware prefetcher at every page boundary.
/// SIFT_HUGEPAGES=0 turns the advice off (to compare).
/// </summary>
internal static unsafe partial class NativePages
{
    private const nuint HugePage = 2 << 20;
    private const int MadvHugePage = 14;
    private static readonly bool Advise = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("SIFT_HUGEPAGES") != "0";

    /// <summary>Allocates <paramref name="bytes"/> zeroed bytes, 64-byte aligned (2 MiB for large blocks).</summary>
    public static void* AllocZeroed(nuint bytes)
    {
        bool large = bytes >= HugePage;
        void* p = NativeMemory.AlignedAlloc(bytes, large ? HugePage : 64);
        if (large && Advise)
        {
            _ = Madvise(p, (bytes + HugePage - 1) & ~(HugePage - 1), MadvHugePage); // advice only: failure is harmless
        }
        NativeMemory.Clear(p, bytes);
        return p;
    }

    /// <summary>Frees a block from <see cref="AllocZeroed"/>.</summary>
    public static void Free(void* p) => NativeMemory.AlignedFree(p);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* addr, nuint length, int advice);
}
