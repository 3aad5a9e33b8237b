using GFlowNetML.Environments;
using GFlowNetML.Rewards;

namespace GFlowNetML.Core.Tests;

/// <summary>The linear-Gaussian data generator and the CSV reader of a user's data matrix.</summary>
[TestClass]
public sealed class DagDataTests
{
    [TestMethod]
    public void GeneratorIsDeterministicBySeed()
    {
        var a = new LinearGaussianData(6, 4, 30, seed: 3);
        var b = new LinearGaussianData(6, 4, 30, seed: 3);
        var c = new LinearGaussianData(6, 4, 30, seed: 4);
        CollectionAssert.AreEqual(a.CopyData(), b.CopyData());
        CollectionAssert.AreEqual(a.TrueAdjacency.ToArray(), b.TrueAdjacency.ToArray());
        CollectionAssert.AreEqual(a.Weights.ToArray(), b.Weights.ToArray());
        CollectionAssert.AreNotEqual(a.CopyData(), c.CopyData());
        Assert.AreEqual(4 / 15.0, a.EdgeProbability, 1e-15);
    }

    [TestMethod]
    public void DefaultTaskTrueGraph()
    {
        // Regression on the seed-0 stream of GFlowNetRandom: node order 1, 4, 0, 2, 3 and five edges.
        var data = new LinearGaussianData();
        Assert.AreEqual(5, data.Nodes);
        Assert.AreEqual(100, data.Samples);
        Assert.AreEqual(0.5, data.EdgeProbability);
        CollectionAssert.AreEqual(new[] { 1, 4, 0, 2, 3 }, data.TopologicalOrder.ToArray());
        var env = DagEnvironment.FromLinearGaussian();
        Assert.AreEqual("{0→2, 0→3, 1→2, 4→0, 4→3}", env.Format(data.TrueAdjacency.ToArray()));
        Assert.AreEqual(5, data.TrueEdgeCount);
        Assert.AreEqual(1.181, data.Weights[0 * 5 + 2], 5e-4);
        Assert.AreEqual(-0.237, data.Weights[4 * 5 + 3], 5e-4);
    }

    [TestMethod]
    public void TrueGraphFollowsTheNodeOrderAndHasTheExpectedEdgeCount()
    {
        double total = 0;
        for (long seed = 0; seed < 200; seed++)
        {
            var data = new LinearGaussianData(6, 5, 2, seed);
            var position = new int[6];
            for (int k = 0; k < 6; k++) position[data.TopologicalOrder[k]] = k;
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++)
                {
                    if (data.TrueAdjacency[i * 6 + j] == 0) { Assert.AreEqual(0.0, data.Weights[i * 6 + j]); continue; }
                    Assert.IsTrue(position[i] < position[j], $"seed {seed}: edge {i}→{j} against the order");
                    Assert.AreNotEqual(0.0, data.Weights[i * 6 + j]);
                }
            Assert.IsTrue(DagReference.IsAcyclic(data.TrueAdjacency.ToArray(), 6));
            total += data.TrueEdgeCount;
        }
        // 15 pairs with p = 1/3: mean 5, standard deviation of the average over 200 graphs √(15·2/9/200) ≈ 0.13.
        Assert.AreEqual(5.0, total / 200, 0.5);
    }

    [TestMethod]
    public void SamplesFollowTheStructuralEquations()
    {
        // x_j − Σ_i w_ij x_i is the noise σ·ε: mean ≈ 0 and standard deviation ≈ σ for every node, roots included.
        var data = new LinearGaussianData(6, 6, 4000, seed: 9, noise: 0.3);
        var x = data.CopyData();
        for (int j = 0; j < 6; j++)
        {
            double sum = 0, sumSquares = 0;
            for (int r = 0; r < 4000; r++)
            {
                double residual = x[r, j];
                for (int i = 0; i < 6; i++) residual -= data.Weights[i * 6 + j] * x[r, i];
                sum += residual;
                sumSquares += residual * residual;
            }
            double mean = sum / 4000, std = Math.Sqrt(sumSquares / 4000 - mean * mean);
            Assert.AreEqual(0.0, mean, 0.03, $"node {j}");
            Assert.AreEqual(0.3, std, 0.02, $"node {j}");
        }
    }

    [TestMethod]
    public void GeneratorArgumentChecks()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearGaussianData(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearGaussianData(21, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearGaussianData(5, 10.5));   // at most 10 pairs
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearGaussianData(5, -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearGaussianData(5, double.NaN));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearGaussianData(5, 5, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearGaussianData(5, 5, 100, 0, -0.1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearGaussianData(5, 5, 100, 0, double.PositiveInfinity));
        Assert.AreEqual(10, new LinearGaussianData(5, 10, 2).TrueEdgeCount);   // p = 1: the complete DAG
    }

    private static DagData Parse(string text) => DagData.ParseCsv(new StringReader(text), "test.csv");

    [TestMethod]
    public void CsvWithHeader()
    {
        var data = Parse("a, \"b\" ,c\n1,2,3\n\n4.5,-5e-1,6\n");
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, data.NodeNames.ToArray());
        Assert.AreEqual(2, data.Rows);
        Assert.AreEqual(3, data.Columns);
        CollectionAssert.AreEqual(new double[,] { { 1, 2, 3 }, { 4.5, -0.5, 6 } }, data.CopyValues());
        Assert.AreEqual("test.csv", data.Source);
    }

    [TestMethod]
    public void CsvWithoutHeader()
    {
        var data = Parse("1,2\r\n3,4\r\n5,6");
        CollectionAssert.AreEqual(new[] { "X0", "X1" }, data.NodeNames.ToArray());
        Assert.AreEqual(3, data.Rows);
        Assert.AreEqual(6.0, data.CopyValues()[2, 1]);
    }

    [TestMethod]
    [DataRow("a,1\n1,2\n", "test.csv, line 1, column 1: 'a' is not a number, but other fields of the first line are")]
    [DataRow("1,2\n3,x\n", "test.csv, line 2, column 2: 'x' is not a number.")]
    [DataRow("a,b\n1,2\n\n3,4,5\n", "test.csv, line 4: 3 columns; expected 2")]
    [DataRow("a,b\n1,2\nNaN,3\n", "test.csv, line 3, column 1: 'NaN' is not finite")]
    [DataRow("a,a\n1,2\n", "test.csv, line 1, column 2: the header name 'a' is empty or repeated")]
    [DataRow("a,b\n", "test.csv: no data rows")]
    [DataRow("", "test.csv: no data rows")]
    public void CsvErrorsNameLineAndColumn(string text, string message)
    {
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Parse(text));
        StringAssert.Contains(ex.Message, message);
    }

    [TestMethod]
    public void CsvFileBecomesAnEnvironmentThatTheCatalogRecreates()
    {
        string path = Path.Combine(Path.GetTempPath(), $"dag-data-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "x,y,z\n1,2,0.5\n2,3.5,1\n0,1,-1\n4,2,2\n");
            var env = DagEnvironment.FromCsv(path);
            Assert.AreEqual(3, env.Nodes);
            CollectionAssert.AreEqual(new[] { "x", "y", "z" }, env.NodeNames.ToArray());
            Assert.AreEqual(path, env.Parameters!["data"]);
            Assert.AreEqual("1", env.Parameters["alpha_mu"]);
            Assert.AreEqual("5", env.Parameters["alpha_w"]);
            StringAssert.StartsWith(env.Description, $"dag(nodes=3, samples=4, data={path}, alpha_mu=1, alpha_w=5, r=");
            var again = DagEnvironment.FromCatalog(new EnvironmentCatalog.ParameterReader("dag", env.Parameters));
            Assert.AreEqual(env.Description, again.Description);
            // The same values given in code: the same rewards.
            var fromMatrix = DagEnvironment.FromData(new DagData(new double[,] { { 1, 2, 0.5 }, { 2, 3.5, 1 }, { 0, 1, -1 }, { 4, 2, 2 } }));
            Assert.AreEqual(env.Score.RelativeScore([0, 1, 1, 0, 0, 0, 0, 1, 0]), fromMatrix.Score.RelativeScore([0, 1, 1, 0, 0, 0, 0, 1, 0]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MatrixArgumentChecks()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DagData(new double[,] { { 1, double.NaN } })).Message, "row 0, column 1");
        Assert.ThrowsExactly<ArgumentException>(() => new DagData(new double[0, 2]));
        Assert.ThrowsExactly<ArgumentException>(() => new DagData(new double[2, 2], ["a"]));
        Assert.ThrowsExactly<ArgumentException>(() => new DagData(new double[2, 2], ["a", "a"]));
        // One row is a valid matrix but not enough for the BGe score.
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => DagEnvironment.FromData(new DagData(new double[1, 2]))).Message, "at least 2 rows");
    }
}
