using Sift.Core.Random;

namespace Sift.Engine.Tests;

/// <summary>Finite-difference helpers: central differences in float32 with magnitude-scaled tolerances.</summary>
internal static class GradCheck
{
    public static float[] RandomArray(Rng rng, int n, double scale = 1.0)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(rng.NextGaussian() * scale);
        }
        return a;
    }

    /// <summary>
    /// Checks analytic[i] against (f(x+h) − f(x−h)) / 2h for the given indices of x (x is restored).
    /// </summary>
    public static void Check(string what, float[] x, float[] analytic, Func<double> loss, IEnumerable<int> indices, float h = 1e-2f, double rtol = 2e-2, double atol = 2e-3)
    {
        foreach (int i in indices)
        {
            float orig = x[i];
            x[i] = orig + h;
            double lp = loss();
            x[i] = orig - h;
            double lm = loss();
            x[i] = orig;
            double fd = (lp - lm) / (2 * h);
            double an = analytic[i];
            double tol = atol + rtol * Math.Max(Math.Abs(fd), Math.Abs(an));
            Assert.True(Math.Abs(fd - an) <= tol, $"{what}[{i}]: analytic {an:G6} vs finite difference {fd:G6} (tol {tol:G3})");
        }
    }

    public static IEnumerable<int> All(int n) => Enumerable.Range(0, n);
}
