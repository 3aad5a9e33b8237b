using System.Globalization;
using System.Text.RegularExpressions;

namespace GFlowNetML.Docs.Tests;

/// <summary>
/// Every <c>```csharp</c> block of README.md, models/README.md and notebooks/README.md compiles as a console program of its
/// own (C# latest, nullable enabled, the SDK's implicit usings, this test's assemblies as references) and runs; a block
/// followed by a <c>```text</c> block prints exactly those lines, numbers within <see cref="NumbersAgree"/>'s tolerance.
/// A block marked <c>&lt;!-- snippet: compile-only --&gt;</c> on the line before it is compiled but not run.
/// </summary>
[TestClass]
public sealed partial class ReadmeSnippetTests
{
    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<object[]> Snippets => MarkdownSnippet.All().Select(s => new object[] { s.Id });

    [TestMethod]
    [DynamicData(nameof(Snippets))]
    public void Snippet(string id)
    {
        var snippet = MarkdownSnippet.All().SingleOrDefault(s => s.Id == id)
            ?? throw new AssertFailedException($"No ```csharp block opens at {id} any more: the file changed since the tests were discovered.");
        if (snippet.IsScriptReferences)
        {
            CheckScriptReferences(snippet);
            return;
        }
        byte[] image = SnippetRunner.Compile(snippet);
        switch (snippet.Marker)
        {
            case null: break;
            case "compile-only":
                Assert.IsNull(snippet.ExpectedOutput, $"{id} is compile-only but has an output block to check");
                return;
            default:
                Assert.Fail($"{id}: unknown marker 'snippet: {snippet.Marker}' (known: compile-only)");
                break;
        }
        string output = SnippetRunner.Run(snippet, image);
        TestContext.WriteLine(output); // shown by `dotnet test … -- --output detailed`: what to paste into a ```text block
        if (snippet.ExpectedOutput is { } expected) CompareOutput(snippet, expected, output);
    }

    [TestMethod]
    public void EveryFile_HasCSharpBlocks_AndIdsAreUnique()
    {
        var all = MarkdownSnippet.All();
        Assert.IsTrue(all.Any(s => s.File == "README.md"), "README.md has no ```csharp block: is the parser broken?");
        Assert.AreEqual(all.Count, all.Select(s => s.Id).Distinct().Count());
    }

    /// <summary>A notebook's <c>#r</c> lines (notebooks/README.md) are C# script, not a program: each must name
    /// <c>../artifacts/notebooks/X.dll</c> for an assembly X.dll that this build produces (the notebook tests run them).</summary>
    private static void CheckScriptReferences(MarkdownSnippet snippet)
    {
        foreach (string line in snippet.Code.Split('\n').Where(l => l.Trim().Length > 0))
        {
            var match = ScriptReference().Match(line.Trim());
            Assert.IsTrue(match.Success, $"{snippet.Id}: '{line.Trim()}' is not #r \"../artifacts/notebooks/X.dll\"");
            string dll = match.Groups[1].Value;
            Assert.IsTrue(File.Exists(Path.Combine(AppContext.BaseDirectory, dll)), $"{snippet.Id}: {dll} is not an assembly of the library");
        }
    }

    [GeneratedRegex("""^#r\s+"\.\./artifacts/notebooks/([\w.]+\.dll)"$""")]
    private static partial Regex ScriptReference();

    [GeneratedRegex(@"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")]
    private static partial Regex Number();

    private static void CompareOutput(MarkdownSnippet snippet, IReadOnlyList<string> expected, string output)
    {
        var want = Trim(expected);
        var got = Trim(output.Replace("\r\n", "\n").Split('\n'));
        string both = $"\n--- expected ({snippet.Id}) ---\n{string.Join('\n', want)}\n--- printed ---\n{string.Join('\n', got)}";
        Assert.AreEqual(want.Count, got.Count, $"{snippet.Id} printed {got.Count} lines, its output block has {want.Count}{both}");
        for (int i = 0; i < want.Count; i++)
        {
            Assert.AreEqual(Number().Replace(want[i], "#"), Number().Replace(got[i], "#"), $"line {i + 1} differs{both}");
            var a = Number().Matches(want[i]);
            var b = Number().Matches(got[i]);
            for (int k = 0; k < a.Count; k++)
                Assert.IsTrue(NumbersAgree(a[k].Value, b[k].Value), $"line {i + 1}: {b[k].Value} is not {a[k].Value}{both}");
        }
    }

    private static List<string> Trim(IEnumerable<string> lines)
    {
        var list = lines.Select(l => l.TrimEnd()).ToList();
        while (list.Count > 0 && list[^1].Length == 0) list.RemoveAt(list.Count - 1);
        return list;
    }

    /// <summary>
    /// The snippets train with one torch thread and fixed seeds, so on one machine they print the same digits every run.
    /// Another CPU may pick other libtorch kernels (vector widths, summation order) and move the float results in their last
    /// bits, which a long training run can grow to a visible difference in a rounded figure. A printed number therefore
    /// agrees when it is within one unit of the expected number's last printed digit, or within 1e-4 absolute, or within
    /// 1e-3 relative — tight enough that a changed default, method or seed, which moves these figures by far more, fails.
    /// Integers (counts, trial numbers, iterations) must be equal.
    /// </summary>
    internal static bool NumbersAgree(string expected, string actual)
    {
        double e = double.Parse(expected, CultureInfo.InvariantCulture), a = double.Parse(actual, CultureInfo.InvariantCulture);
        if (!expected.Contains('.') && !expected.Contains('e') && !expected.Contains('E')) return e == a;
        double difference = Math.Abs(e - a);
        string mantissa = expected.Split('e', 'E')[0];
        int decimals = mantissa.Contains('.') ? mantissa.Length - mantissa.IndexOf('.') - 1 : 0;
        int exponent = expected.Contains('e') || expected.Contains('E') ? int.Parse(expected.Split('e', 'E')[1], CultureInfo.InvariantCulture) : 0;
        double lastDigit = Math.Pow(10, exponent - decimals);
        return difference <= lastDigit * (1 + 1e-9) || difference <= 1e-4 || difference <= 1e-3 * Math.Max(Math.Abs(e), Math.Abs(a));
    }
}
