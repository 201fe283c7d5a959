using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sift.Engine.Kernels.Cpu;

/// <summary>
/// A float vector of <see cref="Count"/> lanes with the arithmetic the element-wise kernels need, so each
/// kernel body is written once as a generic method and instantiated at 16 lanes (Vector512), 8 lanes
/// (Vector256) and 1 lane (scalar, MathF). The JIT specialises the struct instantiations, so the wrappers cost
/// nothing. Operations use no fused multiply-add, so +, −, ×, ÷ and √ give the same bits at every width; only
/// <see cref="Exp"/> differs between the vector (polynomial) and scalar (MathF.Exp) implementations.
/// </summary>
internal unsafe interface ILanes<TSelf>
    where TSelf : struct, ILanes<TSelf>
{
    static abstract int Count { get; }

    static abstract TSelf Load(float* p);

    static abstract TSelf Splat(float x);

    static abstract void Store(TSelf v, float* p);

    static abstract TSelf Add(TSelf a, TSelf b);

    static abstract TSelf Sub(TSelf a, TSelf b);

    static abstract TSelf Mul(TSelf a, TSelf b);

    static abstract TSelf Div(TSelf a, TSelf b);

    static abstract TSelf Neg(TSelf a);

    static abstract TSelf Sqrt(TSelf a);

    static abstract TSelf Exp(TSelf a);
}

/// <summary>
/// Lanes with a fused multiply-add and a horizontal sum, for kernels (dot products) whose bits may differ between
/// widths anyway: the sum order depends on the lane count.
/// </summary>
internal unsafe interface IFmaLanes<TSelf> : ILanes<TSelf>
    where TSelf : struct, IFmaLanes<TSelf>
{
    /// <summary>a·b + c, fused where the CPU has FMA.</summary>
    static abstract TSelf MulAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>The sum of the lanes, in the vector type's fixed order.</summary>
    static abstract float Sum(TSelf a);
}

/// <summary>16 lanes (AVX-512; emulated in software where Vector512 is not accelerated).</summary>
internal readonly unsafe struct Lanes512(Vector512<float> v) : IFmaLanes<Lanes512>
{
    private readonly Vector512<float> _v = v;

    public static int Count => 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Load(float* p) => new(Vector512.Load(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Splat(float x) => new(Vector512.Create(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes512 v, float* p) => v._v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Add(Lanes512 a, Lanes512 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Sub(Lanes512 a, Lanes512 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Mul(Lanes512 a, Lanes512 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Div(Lanes512 a, Lanes512 b) => new(a._v / b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Neg(Lanes512 a) => new(-a._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Sqrt(Lanes512 a) => new(Vector512.Sqrt(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Exp(Lanes512 a) => new(Vector512.Exp(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 MulAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Lanes512 a) => Vector512.Sum(a._v);
}

/// <summary>8 lanes (AVX2).</summary>
internal readonly unsafe struct Lanes256(Vector256<float> v) : IFmaLanes<Lanes256>
{
    private readonly Vector256<float> _v = v;

    public static int Count => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Load(float* p) => new(Vector256.Load(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Splat(float x) => new(Vector256.Create(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes256 v, float* p) => v._v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Add(Lanes256 a, Lanes256 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Sub(Lanes256 a, Lanes256 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Mul(Lanes256 a, Lanes256 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Div(Lanes256 a, Lanes256 b) => new(a._v / b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Neg(Lanes256 a) => new(-a._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Sqrt(Lanes256 a) => new(Vector256.Sqrt(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Exp(Lanes256 a) => new(Vector256.Exp(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 MulAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vec.MulAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Lanes256 a) => Vector256.Sum(a._v);
}

/// <summary>One lane: plain float arithmetic and MathF (the scalar reference, and every vector path's tail).</summary>
internal readonly unsafe struct Lane1(float v) : ILanes<Lane1>
{
    private readonly float _v = v;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Load(float* p) => new(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Splat(float x) => new(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lane1 v, float* p) => *p = v._v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Add(Lane1 a, Lane1 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Sub(Lane1 a, Lane1 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Mul(Lane1 a, Lane1 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Div(Lane1 a, Lane1 b) => new(a._v / b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Neg(Lane1 a) => new(-a._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Sqrt(Lane1 a) => new(MathF.Sqrt(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Exp(Lane1 a) => new(MathF.Exp(a._v));
}

/// <summary>An element-wise kernel body over elements [j, j + TLanes.Count), written once for every width.</summary>
internal interface ILaneKernel
{
    void Run<TLanes>(int j)
        where TLanes : struct, ILanes<TLanes>;
}

/// <summary>
/// The one loop of every element-wise kernel: 16-lane blocks, then 8-lane blocks, then single elements
/// (for <see cref="SimdWidth.V512"/>); 8-lane blocks then single elements (V256); single elements (Scalar).
/// Each element therefore sees the same lane arithmetic at V512 and V256, so those two give the same bits.
/// </summary>
internal static class LaneLoop
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TKernel>(ref TKernel kernel, int start, int end, SimdWidth width)
        where TKernel : struct, ILaneKernel
    {
        int j = start;
        if (width == SimdWidth.V512)
        {
            for (; j <= end - 16; j += 16)
            {
                kernel.Run<Lanes512>(j);
            }
        }
        if (width != SimdWidth.Scalar)
        {
            for (; j <= end - 8; j += 8)
            {
                kernel.Run<Lanes256>(j);
            }
        }
        for (; j < end; j++)
        {
            kernel.Run<Lane1>(j);
        }
    }
}
