using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Tests;

[TestClass]
public sealed class AdamTests
{
    [TestMethod]
    public void StepsMatchTheAdamUpdateComputedByHand()
    {
        var p = tensor(new float[] { 1.0f, -2.0f }).requires_grad_(true);
        using var adam = new Adam([(p, 0.1)]);
        double m0 = 0, m1 = 0, v0 = 0, v1 = 0, x0 = 1, x1 = -2;
        for (int step = 1; step <= 3; step++)
        {
            adam.ZeroGrad();
            (p * p).sum().backward();                         // g = 2p
            adam.Step();
            double g0 = 2 * x0, g1 = 2 * x1;
            m0 = 0.9 * m0 + 0.1 * g0; m1 = 0.9 * m1 + 0.1 * g1;
            v0 = 0.999 * v0 + 0.001 * g0 * g0; v1 = 0.999 * v1 + 0.001 * g1 * g1;
            double bc1 = 1 - Math.Pow(0.9, step), bc2 = 1 - Math.Pow(0.999, step);
            x0 -= 0.1 / bc1 * m0 / (Math.Sqrt(v0) / Math.Sqrt(bc2) + 1e-8);
            x1 -= 0.1 / bc1 * m1 / (Math.Sqrt(v1) / Math.Sqrt(bc2) + 1e-8);
            Assert.AreEqual(x0, p[0].item<float>(), 1e-6);
            Assert.AreEqual(x1, p[1].item<float>(), 1e-6);
        }
        Assert.AreEqual(3, adam.Steps);
    }

    [TestMethod]
    public void ExportedStateRestoresTheExactTrajectoryOfUpdates()
    {
        var a = tensor(new float[] { 0.5f, 1.5f, -1f }).requires_grad_(true);
        using var adamA = new Adam([(a, 0.05)]);
        void Step(Adam adam, Tensor x) { adam.ZeroGrad(); (x * x * x).sum().backward(); adam.Step(); }
        Step(adamA, a); Step(adamA, a);
        var (steps, moments) = adamA.ExportState();

        var b = tensor(Networks.TensorData.ToArray(a)).requires_grad_(true);
        using var adamB = new Adam([(b, 0.05)]);
        adamB.ImportState(steps, moments);
        Step(adamA, a); Step(adamB, b);
        CollectionAssert.AreEqual(Networks.TensorData.ToArray(a), Networks.TensorData.ToArray(b));
    }

    [TestMethod]
    public void RefusesTensorsThatAreNotTrainableLeaves()
    {
        var leaf = tensor(new float[] { 1f, 2f }).requires_grad_(true);
        Assert.ThrowsExactly<ArgumentException>(() => new Adam([(leaf.view(2, 1), 0.1)]));
        Assert.ThrowsExactly<ArgumentException>(() => new Adam([(tensor(new float[] { 1f }), 0.1)]));
    }
}
