using System.Globalization;
using System.Text.RegularExpressions;
using DocSnippets;
using LmuSharp.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>
/// Every ```csharp block of README.md and docs/*.md is code that compiles and runs here. A block is preceded by
/// <c>&lt;!-- snippet: name --&gt;</c>; the file in DocSnippets/ holding <c>// snippet: name</c> … <c>// end snippet</c>
/// must start with exactly the block's using directives and hold the rest of the block, verbatim, between the
/// markers. So a doc edit without the code edit (or the reverse) fails, and the code is compiled by the build and
/// run by <see cref="Snippet_matches_its_code_and_runs"/> with the stand-ins defined in <see cref="Runners"/>.
/// </summary>
public class DocSnippetTests
{
    static readonly string Root = FindRoot();
    static readonly string SnippetDirectory = Path.Combine(Root, "tests", "LmuSharp.Torch.Tests", "DocSnippets");

    /// <summary>How each snippet is run, with its stand-ins, and what is checked of what it builds.</summary>
    static readonly Dictionary<string, Action<string>> Runners = new()
    {
        ["readme-memory"] = _ => ReadmeMemory.Run(stream: Enumerable.Range(0, 1_000).Select(t => Math.Sin(t / 50.0))),
        ["readme-fit"] = _ =>
        {
            // A noisy sine (about standardised): the fit must halve the error of the naive forecast (the window's last value
            // repeated) on the validation windows, computed here from the rows.
            var random = new Random(1);
            var rows = Enumerable.Range(0, 400).Select(t => new[] { (float)(1.4 * Math.Sin(t / 6.0) + 0.05 * random.NextDouble()) }).ToList();
            var validationRows = TimeSplit.Of(rows.Count, 0.15, 0.15).Validation;
            var naive = new SlidingWindows(48, 12).Starts(validationRows)
                .SelectMany(s => Enumerable.Range(0, 12).Select(h => Math.Pow(rows[s + 48 + h][0] - rows[s + 47][0], 2))).Average();
            var directory = Directory.CreateTempSubdirectory("lmusharp-snippet-");
            string previous = Directory.GetCurrentDirectory();
            try
            {
                Directory.SetCurrentDirectory(directory.FullName);
                manual_seed(1);
                var (model, result) = ReadmeFit.Run(rows);
                Assert.InRange(result.Progress.BestEpoch, 1, 30);
                Assert.True(result.Progress.Best < 0.5 * Math.Sqrt(naive), $"validation RMSE {result.Progress.Best}, naive {Math.Sqrt(naive)}");
                var runtime = Runtime.LmuModel.Load(Path.Combine(directory.FullName, "forecaster.safetensors"));
                Assert.Equal((1, 12), (runtime.InputSize, runtime.OutputSize));
            }
            finally
            {
                Directory.SetCurrentDirectory(previous);
                directory.Delete(recursive: true);
            }
        },
        ["readme-modules"] = block =>
        {
            var pixels = rand(2, 784, 1);
            float[] pixel = [0.5f], logitsSpan = new float[10];
            var directory = Directory.CreateTempSubdirectory("lmusharp-snippet-");
            string previous = Directory.GetCurrentDirectory();
            try
            {
                Directory.SetCurrentDirectory(directory.FullName);
                var (lmu, logits, _) = ReadmeModules.Run(pixels, pixel, logitsSpan);
                Assert.Equal(LmuMode.Final, lmu.Mode);
                Assert.Equal(new long[] { 2, 10 }, logits.shape);
                AssertFormatExample(Serialization.SafeTensorsFile.Read(Path.Combine(directory.FullName, "psmnist.safetensors")));
                Assert.All(logitsSpan, v => Assert.True(float.IsFinite(v)));
                Assert.Contains(logitsSpan, v => v != 0);
            }
            finally
            {
                Directory.SetCurrentDirectory(previous);
                directory.Delete(recursive: true);
            }
        },
        ["modules-layers"] = block =>
        {
            var built = ModulesLayers.Run(pixels: rand(2, 784, 1), stream: Enumerable.Range(0, 3).Select(_ => rand(2, 1)));
            Assert.Equal(LmuMode.Final, built.Lmu.Mode);
            Assert.Equal(LmuMode.Sequential, built.Lmu2019.Mode);
            Assert.Equal(LmuMode.Fft, built.NoFeedback.Mode);
            Assert.Equal(LmuMode.Chunked, built.Chunked.Mode);
            Assert.Equal(new long[] { 2, 10 }, built.Logits.shape);
            Assert.NotNull(built.State);
            AssertParameterCounts(block,
                Count(built.Lmu, built.Dropout, built.Classifier),
                Count(built.Lmu2019, built.Classifier2019),
                Count(built.NoFeedback, built.Classifier2019));
        },
        ["onnx-export"] = _ =>
        {
            var directory = Directory.CreateTempSubdirectory("lmusharp-snippet-");
            string previous = Directory.GetCurrentDirectory();
            try
            {
                Directory.SetCurrentDirectory(directory.FullName);
                new Export.ModelExport(1).Add(new Lmu(new LmuOptions(1, 8, 20) { Hidden = HiddenCell.Linear, HiddenSize = 4 })).Save("psmnist.safetensors");
                OnnxExportSnippet.Run();
                foreach (var file in new[] { "psmnist.onnx", "psmnist.sequence.onnx", "models/psmnist/config.pbtxt", "models/psmnist/1/model.onnx" })
                    Assert.True(new FileInfo(file).Length > 0, $"{file} missing");
            }
            finally
            {
                Directory.SetCurrentDirectory(previous);
                directory.Delete(recursive: true);
            }
        },
        ["recurrence-apply"] = _ =>
        {
            var (x, a) = (rand(2, 5, 3), rand(2, 5, 3));
            var h = RecurrenceApply.Run(x, a);
            var expected = x[.., 0];
            Assert.True(h[.., 0].allclose(expected));
            Assert.True(h[.., 1].allclose(a[.., 1] * expected + x[.., 1]));
        },
        ["recurrence-gilr"] = _ =>
        {
            var (output, h1) = RecurrenceGilr.Run(rand(2, 5, 128));
            Assert.Equal(new long[] { 2, 5, 64 }, output.shape);
            Assert.True(h1.allclose(output[.., 0], rtol: 1e-5, atol: 1e-6));
        },
        ["recurrence-gilr-lstm"] = _ =>
        {
            var (output, h) = RecurrenceGilrLstm.Run(rand(2, 5, 128));
            Assert.Equal(new long[] { 2, 5, 64 }, output.shape);
            Assert.Equal(new long[] { 2, 64 }, h.shape);
        },
        ["recurrence-million-steps"] = _ =>
        {
            var tokens = randint(0, 128, [2, 5000]);
            var embedding = randn(128, 64, requires_grad: true);
            var (last, layer) = RecurrenceMillionSteps.Run(tokens, embedding);
            var (plain, _) = layer.call(embedding.index_select(0, tokens.flatten()).view(2, 5000, 64), null);
            Assert.True(last.allclose(plain.select(1, -1), rtol: 1e-4, atol: 1e-5)); // the layer on the embedded inputs, in one graph
            last.sum().backward();
            Assert.NotNull(embedding.grad);
        },
    };

    /// <summary>Every ```csharp block of README.md and docs/*.md: (document relative to the root, snippet name).</summary>
    public static TheoryData<string, string> Blocks()
    {
        var data = new TheoryData<string, string>();
        foreach (var (document, name, _) in DocumentBlocks()) data.Add(document, name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Snippet_matches_its_code_and_runs(string document, string name)
    {
        var block = DocumentBlocks().Single(b => b.Document == document && b.Name == name).Code;
        var (usings, code) = SnippetSource(name);
        var blockLines = Lines(block);
        var blockUsings = blockLines.TakeWhile(IsUsingOrBlank).Where(l => l.Length > 0).ToList();
        var blockCode = Trim(blockLines.Skip(blockLines.TakeWhile(IsUsingOrBlank).Count()).ToList());
        Assert.Equal(string.Join('\n', blockUsings), string.Join('\n', usings));
        Assert.Equal(string.Join('\n', blockCode), string.Join('\n', code));

        Assert.True(Runners.TryGetValue(name, out var run), $"no runner for snippet {name}");
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        run(block);
    }

    [Fact]
    public void Every_snippet_file_and_runner_belongs_to_one_block()
    {
        var names = DocumentBlocks().Select(b => b.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        var files = Directory.GetFiles(SnippetDirectory, "*.cs")
            .SelectMany(f => File.ReadLines(f).Select(l => l.Trim()).Where(l => l.StartsWith("// snippet: ", StringComparison.Ordinal)))
            .Select(l => l["// snippet: ".Length..]);
        Assert.Equal(names.Order(), files.Order());
        Assert.Equal(names.Order(), Runners.Keys.Order());
    }

    static readonly Regex ParameterCount = new(@"(\d{1,3}(?:,\d{3})+|\d+) parameters", RegexOptions.CultureInvariant);

    /// <summary>The block's "N parameters" figures, in order, are the given counts.</summary>
    static void AssertParameterCounts(string block, params long[] counts) =>
        Assert.Equal(counts.Select(c => c.ToString("N0", CultureInfo.InvariantCulture)),
            ParameterCount.Matches(block).Select(m => m.Groups[1].Value));

    /// <summary>docs/FORMAT.md §3 lists this file: every metadata key=value it shows, and exactly its tensors and shapes.</summary>
    static void AssertFormatExample(Serialization.SafeTensorsFile file)
    {
        var lines = Lines(File.ReadAllText(Path.Combine(Root, "docs", "FORMAT.md")));
        int start = lines.FindIndex(l => l.StartsWith("## 3. Example", StringComparison.Ordinal));
        int open = lines.FindIndex(start, l => l == "```"), close = lines.FindIndex(open + 1, l => l == "```");
        var example = lines.Skip(open + 1).Take(close - open - 1).ToList();
        int tensors = example.IndexOf("tensors:");
        Assert.True(example[0] == "__metadata__:" && tensors > 0, "FORMAT.md §3: expected __metadata__: … tensors: …");
        var metadata = example.Take(tensors).Skip(1).SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2)).ToList();
        Assert.NotEmpty(metadata);
        foreach (var pair in metadata)
            Assert.True(file.Metadata.GetValueOrDefault(pair[0]) == pair[1],
                $"docs/FORMAT.md §3 shows {pair[0]}={pair[1]}; the exported file has {file.Metadata.GetValueOrDefault(pair[0]) ?? "no such key"}");
        var shapes = Regex.Matches(string.Join(' ', example.Skip(tensors + 1)), @"(\S+) \[([0-9, ]+)\]")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(shapes.Keys.Order(), file.Tensors.Keys.Order());
        foreach (var (name, shape) in shapes) Assert.Equal(shape, string.Join(", ", file.Tensors[name].Shape));
    }

    static long Count(params nn.Module[] modules) => modules.Sum(m => m.parameters().Sum(p => p.numel()));

    static IEnumerable<(string Document, string Name, string Code)> DocumentBlocks()
    {
        var documents = new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md")
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/')).Order());
        foreach (var document in documents)
        {
            var lines = Lines(File.ReadAllText(Path.Combine(Root, document)));
            for (int i = 0; i < lines.Count; i++)
            {
                if (lines[i].Trim() != "```csharp") continue;
                int previous = i - 1;
                while (previous >= 0 && lines[previous].Trim().Length == 0) previous--;
                var marker = previous >= 0 ? Regex.Match(lines[previous], @"^<!-- snippet: ([a-z0-9-]+) -->$") : Match.Empty;
                Assert.True(marker.Success, $"{document}:{i + 1}: a ```csharp block needs a <!-- snippet: name --> line before it");
                int end = lines.FindIndex(i + 1, l => l.Trim() == "```");
                Assert.True(end > i, $"{document}:{i + 1}: unclosed block");
                yield return (document, marker.Groups[1].Value, string.Join('\n', lines.Skip(i + 1).Take(end - i - 1)));
                i = end;
            }
        }
    }

    /// <summary>The using directives at the top of the file holding the snippet, and the snippet's lines, dedented.</summary>
    static (List<string> Usings, List<string> Code) SnippetSource(string name)
    {
        foreach (var file in Directory.GetFiles(SnippetDirectory, "*.cs"))
        {
            var lines = Lines(File.ReadAllText(file));
            int start = lines.FindIndex(l => l.Trim() == $"// snippet: {name}");
            if (start < 0) continue;
            int end = lines.FindIndex(start, l => l.Trim() == "// end snippet");
            Assert.True(end > start, $"{file}: no // end snippet after // snippet: {name}");
            var usings = lines.TakeWhile(IsUsingOrBlank).Where(l => l.Length > 0).ToList();
            var code = lines.Skip(start + 1).Take(end - start - 1).ToList();
            int indent = code.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
            return (usings, Trim(code.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()).ToList()));
        }
        throw new Xunit.Sdk.XunitException($"no file in {SnippetDirectory} holds // snippet: {name}");
    }

    static bool IsUsingOrBlank(string line) =>
        line.Trim().Length == 0 || (line.StartsWith("using ", StringComparison.Ordinal) && !line.StartsWith("using var ", StringComparison.Ordinal) && line.TrimEnd().EndsWith(';'));

    static List<string> Lines(string text) => text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToList();

    static List<string> Trim(List<string> lines) =>
        lines.SkipWhile(l => l.Length == 0).Reverse().SkipWhile(l => l.Length == 0).Reverse().ToList();

    static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "LmuSharp.slnx"))) return directory.FullName;
        throw new InvalidOperationException($"LmuSharp.slnx not found above {AppContext.BaseDirectory}");
    }
}
