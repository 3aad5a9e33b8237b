namespace GFlowNetML.Docs.Tests;

/// <summary>One <c>```csharp</c> fenced block of a markdown file, with the <c>```text</c> block that follows it (its
/// printed output), if any.</summary>
/// <param name="File">The markdown file, relative to the repository root (e.g. <c>models/README.md</c>).</param>
/// <param name="Line">The 1-based line of the opening <c>```csharp</c> fence.</param>
/// <param name="Code">The block's lines, joined by <c>\n</c>; its first line is markdown line <c>Line + 1</c>.</param>
/// <param name="ExpectedOutput">The lines of a <c>```text</c> block directly after the block (blank lines between
/// allowed), else null.</param>
/// <param name="Marker">The <c>snippet:</c> value of an HTML comment <c>&lt;!-- snippet: … --&gt;</c> on the line before
/// the fence (e.g. <c>compile-only</c>), else null.</param>
internal sealed record MarkdownSnippet(string File, int Line, string Code, IReadOnlyList<string>? ExpectedOutput, string? Marker)
{
    /// <summary>The markdown files whose C# blocks are tested, relative to the repository root.</summary>
    public static readonly string[] Files = ["README.md", "models/README.md", "notebooks/README.md"];

    /// <summary><c>file:line</c>, the name of the block's test case.</summary>
    public string Id => $"{File}:{Line}";

    /// <summary>A block made only of <c>#r "…"</c> lines: a notebook's references (C# script), not a program.</summary>
    public bool IsScriptReferences
        => Code.Split('\n').Where(l => l.Trim().Length > 0).All(l => l.TrimStart().StartsWith("#r ", StringComparison.Ordinal));

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (System.IO.File.Exists(Path.Combine(dir.FullName, "GFlowNetML.sln"))) return dir.FullName;
            throw new InvalidOperationException($"No GFlowNetML.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>Every C# block of <see cref="Files"/>, in file order.</summary>
    public static IReadOnlyList<MarkdownSnippet> All()
    {
        string root = RepositoryRoot;
        return Files.SelectMany(f => Parse(f, System.IO.File.ReadAllLines(Path.Combine(root, f)))).ToList();
    }

    public static IEnumerable<MarkdownSnippet> Parse(string file, string[] lines)
    {
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            int open = i;
            var code = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++) code.Add(lines[i]);
            if (i == lines.Length) throw new InvalidDataException($"{file}:{open + 1}: the ```csharp block is never closed.");

            List<string>? output = null;
            int next = i + 1;
            while (next < lines.Length && lines[next].Trim().Length == 0) next++;
            if (next < lines.Length && lines[next].Trim() == "```text")
            {
                output = [];
                for (next++; next < lines.Length && lines[next].Trim() != "```"; next++) output.Add(lines[next]);
                i = next;
            }

            string? marker = null;
            if (open > 0 && lines[open - 1].Trim() is var before && before.StartsWith("<!--", StringComparison.Ordinal)
                && before.EndsWith("-->", StringComparison.Ordinal))
            {
                string body = before[4..^3].Trim();
                if (body.StartsWith("snippet:", StringComparison.Ordinal))
                    marker = body["snippet:".Length..].Trim().Split([' ', '('], 2)[0];
            }
            yield return new MarkdownSnippet(file, open + 1, string.Join('\n', code), output, marker);
        }
    }
}
