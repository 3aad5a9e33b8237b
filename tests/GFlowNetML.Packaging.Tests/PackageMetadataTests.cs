using System.IO.Compression;
using System.Xml.Linq;

namespace GFlowNetML.Packaging.Tests;

/// <summary>The packages themselves: one version, the metadata a registry shows, a readme each, symbols, no pack warnings.</summary>
[TestClass]
public sealed class PackageMetadataTests
{
    private static readonly string[] Ids = ["GFlowNetML", "GFlowNetML.Core", "GFlowNetML.Torch", "GFlowNetML.Onnx", "GFlowNetML.Onnx.Gpu", "GFlowNetML.Plots", "GFlowNetML.Cluster", "gflownet"];

    [TestMethod]
    public void EveryPackageCarriesTheVersionLicenseRepositoryReadmeAndTags()
    {
        foreach (string id in Ids)
        {
            string path = Path.Combine(PackagedRepository.Feed, $"{id}.{PackagedRepository.Version}.nupkg");
            Assert.IsTrue(File.Exists(path), $"{id} {PackagedRepository.Version} was packed ({string.Join(", ", Directory.GetFiles(PackagedRepository.Feed).Select(Path.GetFileName))})");
            using var zip = ZipFile.OpenRead(path);
            var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var meta = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Get(string name) => meta.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.AreEqual(PackagedRepository.Version, Get("version"), id);
            Assert.AreEqual("MIT", Get("license"), id);
            Assert.AreEqual("README.md", Get("readme"), id);
            Assert.IsNotNull(zip.GetEntry("README.md"), $"{id} packs its README");
            StringAssert.StartsWith(meta.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url")!.Value, "https://github.com/", id);
            Assert.IsGreaterThan(40, Get("description").Length, $"{id} has a real description");
            StringAssert.Contains(Get("tags"), "gflownet", id);
            Assert.AreNotEqual(id, Get("authors"), $"{id}'s author is not its id");
        }
        foreach (string library in Ids.Where(i => i is not ("gflownet" or "GFlowNetML.Onnx.Gpu")))
            Assert.IsTrue(File.Exists(Path.Combine(PackagedRepository.Feed, $"{library}.{PackagedRepository.Version}.snupkg")), $"{library} has a symbol package");
    }

    [TestMethod]
    public void PackingWarnsAboutNothing()
    {
        var warnings = PackagedRepository.Pack.Output.Split('\n').Where(l => l.Contains("warning", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.IsEmpty(warnings, string.Join('\n', warnings));
    }

    [TestMethod]
    public void TheToolPackageIsADotnetToolWithThePatchedNativeLibrary()
    {
        using var zip = ZipFile.OpenRead(Path.Combine(PackagedRepository.Feed, $"gflownet.{PackagedRepository.Version}.nupkg"));
        var settings = zip.Entries.Single(e => e.Name == "DotnetToolSettings.xml");
        var command = XDocument.Load(settings.Open()).Descendants().Single(e => e.Name.LocalName == "Command");
        Assert.AreEqual("gflownet", command.Attribute("Name")!.Value);
        var native = zip.Entries.Single(e => e.Name == "libLibTorchSharp.so");
        using var stream = new MemoryStream();
        using (var s = native.Open()) s.CopyTo(stream);
        var state = GFlowNetML.Torch.Native.ElfVersionNeed.Weaken(stream.ToArray(), "GLIBCXX_3.4.32", out string? problem);
        Assert.IsNull(problem);
        Assert.AreEqual(GFlowNetML.Torch.Native.ElfVersionNeedState.AlreadyWeak, state, "the tool's libLibTorchSharp.so does not hard-require GLIBCXX_3.4.32");
    }
}
