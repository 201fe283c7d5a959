using System.Runtime.InteropServices;

namespace Sift.Engine.Kernels.Cpu;

/// <summary>
/// setenv(3) in the C runtime: on Unix, .NET's Environment.SetEnvironmentVariable changes only the managed
/// copy, which native libraries (OpenBLAS reads OPENBLAS_CORETYPE with getenv) never see.
/// </summary>
internal static unsafe class NativeEnvironment
{
    private static readonly Lazy<nint> s_setenv = new(() =>
        OperatingSystem.IsWindows() ? 0
        : NativeLibrary.TryLoad(OperatingSystem.IsMacOS() ? "libc.dylib" : "libc.so.6", out nint libc)
          && NativeLibrary.TryGetExport(libc, "setenv", out nint f) ? f : 0);

    /// <summary>Sets the variable for native code and for .NET; false where setenv is unavailable.</summary>
    public static bool TrySet(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (s_setenv.Value == 0)
        {
            return false;
        }
        var setenv = (delegate* unmanaged<byte*, byte*, int, int>)s_setenv.Value;
        nint n = Marshal.StringToCoTaskMemUTF8(name), v = Marshal.StringToCoTaskMemUTF8(value);
        try
        {
            return setenv((byte*)n, (byte*)v, 1) == 0;
        }
        finally
        {
            Marshal.FreeCoTaskMem(n);
            Marshal.FreeCoTaskMem(v);
        }
    }
}
