using Sift.Core.Random;
using Sift.Engine.Model;

namespace Sift.Engine.Tests.Model;

/// <summary>
/// The whole-model finite-difference check the gradient tests share (engine and objective tests; linked into
/// Sift.Pipelines.Tests): central differences of a loss at random entries of every tensor against analytic gradients.
/// </summary>
internal static unsafe class TensorGradientCheck
{
    /// <summary>
    /// Perturbs <paramref name="perTensor"/> random entries of each tensor of <paramref name="model"/> by ±<paramref name="h"/>
    /// and asserts |fd − analytic| ≤ absTol + 3%·max(|fd|, |analytic|). Returns the entries checked and how many analytic
    /// gradients exceeded <paramref name="large"/> (so a caller can tell a vacuous check from a real one).
    /// </summary>
    public static (int Checked, int Large) Check(LlamaModel model, float* grads, Func<double> loss, int perTensor, float h, double absTol,
        ulong pickSeed, string what = "", double large = 3e-3)
    {
        float* W = model.Weights.Ptr;
        var pick = new Rng(pickSeed);
        int count = 0, big = 0;
        foreach (var t in model.Layout.Tensors)
        {
            for (int k = 0; k < perTensor; k++)
            {
                long i = t.Offset + pick.NextInt((int)t.Length);
                float orig = W[i];
                W[i] = orig + h;
                double up = loss();
                W[i] = orig - h;
                double down = loss();
                W[i] = orig;
                double fd = (up - down) / (2 * h), an = grads[i];
                double tol = absTol + (3e-2 * Math.Max(Math.Abs(fd), Math.Abs(an)));
                Assert.True(Math.Abs(fd - an) <= tol, $"{what}{(what.Length > 0 ? " " : "")}{t.Name}[{i - t.Offset}]: analytic {an:G6} vs finite difference {fd:G6}");
                count++;
                big += Math.Abs(an) > large ? 1 : 0;
            }
        }
        return (count, big);
    }
}
