using GFlowNetML.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GFlowNetML.Tests;

[TestClass]
public sealed class DagDataViewsTests
{
    private sealed class Sample
    {
        public float A { get; set; }
        public string Note { get; set; } = "";
        public double B { get; set; }
        public int C { get; set; }
    }

    private sealed class VectorSample
    {
        [VectorType(3)]
        public float[] Values { get; set; } = [];
    }

    private static IDataView View(MLContext ml) => ml.Data.LoadFromEnumerable(new[]
    {
        new Sample { A = 1.5f, Note = "x", B = -2, C = 3 },
        new Sample { A = 0.25f, Note = "y", B = 4.5, C = -1 },
    });

    [TestMethod]
    public void EveryNumericScalarColumnInSchemaOrder()
    {
        var data = DagDataViews.FromColumns(View(new MLContext(0)));
        CollectionAssert.AreEqual(new[] { "A", "B", "C" }, data.NodeNames.ToArray());
        var values = data.CopyValues();
        Assert.AreEqual(2, data.Rows);
        CollectionAssert.AreEqual(new[] { 1.5, -2, 3, 0.25, 4.5, -1 }, values.Cast<double>().ToArray());
    }

    [TestMethod]
    public void NamedColumnsInTheGivenOrder()
    {
        var data = DagDataViews.FromColumns(View(new MLContext(0)), ["C", "A"]);
        CollectionAssert.AreEqual(new[] { "C", "A" }, data.NodeNames.ToArray());
        CollectionAssert.AreEqual(new[] { 3, 1.5, -1, 0.25 }, data.CopyValues().Cast<double>().ToArray());
    }

    [TestMethod]
    public void OneVectorColumn()
    {
        var ml = new MLContext(0);
        var view = ml.Data.LoadFromEnumerable(new[] { new VectorSample { Values = [1, 2, 3] }, new VectorSample { Values = [4, 5, 6.5f] } });
        var data = DagDataViews.FromVector(view, "Values");
        CollectionAssert.AreEqual(new[] { "X0", "X1", "X2" }, data.NodeNames.ToArray());
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5, 6.5 }, data.CopyValues().Cast<double>().ToArray());
        var env = GFlowNetML.Environments.DagEnvironment.FromData(data);
        Assert.AreEqual(3, env.NodeNames.Count);
    }

    [TestMethod]
    public void MissingAndMistypedColumnsUseMLNetWording()
    {
        var ml = new MLContext(0);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DagDataViews.FromColumns(View(ml), ["A", "D"]));
        StringAssert.StartsWith(e.Message, "Could not find node column 'D'");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DagDataViews.FromColumns(View(ml), ["A", "Note"]));
        StringAssert.StartsWith(e.Message, "Schema mismatch for node column 'Note': expected a numeric scalar, got String");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DagDataViews.FromVector(View(ml), "A"));
        StringAssert.StartsWith(e.Message, "Schema mismatch for data column 'A': expected a known-size vector of numbers, got Single");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DagDataViews.FromVector(View(ml), "Values"));
        StringAssert.StartsWith(e.Message, "Could not find data column 'Values'");
    }

    [TestMethod]
    public void NonFiniteValuesNameTheRowAndColumn()
    {
        var ml = new MLContext(0);
        var view = ml.Data.LoadFromEnumerable(new[] { new Sample { A = 1 }, new Sample { A = 2, B = double.PositiveInfinity } });
        var e = Assert.ThrowsExactly<ArgumentException>(() => DagDataViews.FromColumns(view));
        StringAssert.Contains(e.Message, "Row 1, column 'B'");
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<Sample>());
        Assert.ThrowsExactly<ArgumentException>(() => DagDataViews.FromColumns(empty));
    }
}
