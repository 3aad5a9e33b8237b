using GFlowNetML.Environments;
using GFlowNetML.Parameters;

namespace GFlowNetML.Core.Tests;

/// <summary>Each built-in environment declares its parameters once; the catalog builds from the declared names (and still
/// from the spelling sampler model files carry), with one validation wording.</summary>
[TestClass]
public sealed class EnvironmentDeclarationTests
{
    [TestMethod]
    public void TheCatalogDeclaresTheFiveBuiltInEnvironmentsInMessageOrder()
    {
        CollectionAssert.AreEqual(new[] { "hypergrid", "sequence", "qm9", "dag", "bitseq" }, EnvironmentCatalog.Declarations.Select(d => d.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "ndim", "height", "r0", "r1", "r2" }, HyperGrid.Declaration.Parameters.Select(p => p.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "nodes", "edges", "samples", "noise", "data-seed", "data" }, DagEnvironment.Declaration.Parameters.Select(p => p.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "action-model", "alpha", "r-min", "max-reward" }, SequenceEnvironment.Qm9Declaration.Parameters.Select(p => p.Name).ToArray());
        Assert.AreEqual("5", SequenceEnvironment.Qm9Declaration.Parameters.Single(p => p.Name == "alpha").Default, "QM9's own α");
        Assert.AreEqual("3", SequenceEnvironment.Declaration.Parameters.Single(p => p.Name == "alpha").Default);
    }

    [TestMethod]
    public void EveryDeclaredDefaultLiesInItsOwnRangeAndEveryParameterIsDescribed()
    {
        foreach (var d in EnvironmentCatalog.Declarations)
            foreach (var p in d.Parameters)
            {
                Assert.IsFalse(string.IsNullOrWhiteSpace(p.Description), $"{d.Name} {p.Name}");
                if (p.Default is not null) Assert.AreEqual(p.Default, p.Check(p.Default, p.Name), $"{d.Name} {p.Name}'s default is valid");
            }
    }

    [TestMethod]
    public void TheDeclaredDefaultsAreTheLibrarysDefaultTasks()
    {
        var none = new Dictionary<string, string>();
        Assert.AreEqual(new HyperGrid(2, 8).Description, HyperGrid.Declaration.Create(none).Description);
        Assert.AreEqual(new BitSequence().Description, BitSequence.Declaration.Create(none).Description);
        Assert.AreEqual(DagEnvironment.FromLinearGaussian().Description, DagEnvironment.Declaration.Create(none).Description);
    }

    [TestMethod]
    public void TheCatalogReadsTheDeclaredNamesAndTheModelFilesSpelling()
    {
        var declared = EnvironmentCatalog.Create("dag", new Dictionary<string, string> { ["nodes"] = "3", ["edges"] = "2", ["data-seed"] = "7" });
        var legacy = EnvironmentCatalog.Create("dag", new Dictionary<string, string> { ["nodes"] = "3", ["expected_edges"] = "2", ["seed"] = "7" });
        Assert.AreEqual("dag(nodes=3, expected_edges=2, samples=100, seed=7, noise=0.1, alpha_mu=1, alpha_w=5)", declared.Description);
        Assert.AreEqual(declared.Description, legacy.Description);
        var bits = EnvironmentCatalog.Create("bitseq", new Dictionary<string, string> { ["bits"] = "8", ["word"] = "4", ["codebook-seed"] = "3" });
        Assert.AreEqual(new BitSequence(8, 4, 60, 1, 3).Description, bits.Description);
        Assert.AreEqual(bits.Description, EnvironmentCatalog.Create("bitseq", bits.Parameters!).Description, "a model file's parameters still read");
        var partial = Assert.ThrowsExactly<ArgumentException>(() => EnvironmentCatalog.Create("hypergrid", new Dictionary<string, string> { ["ndim"] = "2" }));
        Assert.AreEqual("The 'hypergrid' environment needs the parameter 'height'. (Parameter 'parameters')", partial.Message, "a model file names all five");
        Assert.AreEqual(new HyperGrid(3, 8).Description, EnvironmentCatalog.Declaration("hypergrid").Create(new Dictionary<string, string> { ["ndim"] = "3" }).Description, "the declaration fills in defaults");
    }

    [TestMethod]
    [DataRow("hypergrid", "height", "1", "'height' must be an integer in 2..1048576; got '1'.")]
    [DataRow("hypergrid", "r0", "0", "'r0' must be a number greater than 0; got '0'.")]
    [DataRow("hypergrid", "tokens", "4", "'tokens' is not a parameter of hypergrid; its parameters are: ndim, height, r0, r1, r2.")]
    [DataRow("bitseq", "codebook", "65537", "'codebook' must be an integer in 1..65536; got '65537'.")]
    [DataRow("bitseq", "bits", "10", "'bits' must be a multiple of 'word'; got 10 and 4.")]
    [DataRow("dag", "edges", "4", "'edges' must be a number in [0, 3]; got '4'.")]
    [DataRow("dag", "data", "/nonexistent.csv", "'data' '/nonexistent.csv' does not exist.")]
    [DataRow("sequence", "action-model", "insert", "'action-model' must be one of: write-any-blank, append, prepend-or-append; got 'insert'.")]
    public void ABadParameterIsRefusedNamingItAndTheAllowedValues(string environment, string name, string value, string message)
    {
        var parameters = new Dictionary<string, string> { [name] = value };
        if (environment == "dag" && name == "edges") parameters["nodes"] = "3";
        var e = Assert.ThrowsExactly<ParameterException>(() => EnvironmentCatalog.Declaration(environment).Create(parameters));
        Assert.AreEqual(message, e.Message);
        Assert.AreEqual(name == "bits" ? "bits" : name, e.Parameter, "the parameter at fault");
    }

    [TestMethod]
    public void ParameterTextsForHelp()
    {
        var height = HyperGrid.Declaration.Parameters[1];
        Assert.AreEqual("2..1048576", height.RangeText);
        Assert.AreEqual("> 0", HyperGrid.Declaration.Parameters[2].RangeText);
        Assert.AreEqual("(0, 1]", SequenceEnvironment.Declaration.Parameters.Single(p => p.Name == "mode-fraction").RangeText);
        Assert.AreEqual("bits / 5", BitSequence.Declaration.Parameters.Single(p => p.Name == "mode-radius").DefaultText);
        Assert.AreEqual("", BitSequence.Declaration.Parameters.Single(p => p.Name == "codebook-seed").RangeText, "a seed is any 64-bit integer");
    }
}
