using LmuSharp.Data;
using LmuSharp.Runtime;

namespace LmuSharp.Tests;

/// <summary>The runtime sequence classifier: raw rows standardised with the metadata, softmax of the last outputs.</summary>
public class StreamingClassifierTests
{
    static readonly FeatureScaling Scaling = new(["x", "y"], [1.5, -2.0], [0.5, 4.0]);

    static LmuModel Model(string classes = "[\"a\",\"b\",\"c\"]", bool withClasses = true)
    {
        var b = new RuntimeModelBuilder(2, 31).LmuCell(1, 6, 12, "lstm", 5).Dense(3, "identity").Done();
        var metadata = new Dictionary<string, string>(b.Metadata);
        foreach (var (k, v) in Scaling.ToMetadata("inputs")) metadata[k] = v;
        if (withClasses) metadata["classify.classes"] = classes;
        return LmuModel.FromWeights(b.Weights, metadata);
    }

    static float[][] Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => new[] { (float)(1.5 + random.NextDouble() - 0.5), (float)(-2 + 8 * (random.NextDouble() - 0.5)) }).ToArray();
    }

    /// <summary>The plain computation: the model's stream on (x − μ) / σ, then softmax in double.</summary>
    static double[] Expected(LmuModel model, float[][] rows)
    {
        var stream = model.CreateStream();
        var logits = new float[3];
        foreach (var row in rows) stream.Step(row.Select((v, f) => (float)((v - Scaling.Means[f]) / Scaling.Deviations[f])).ToArray(), logits);
        var e = logits.Select(l => Math.Exp(l - logits.Max())).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    [Fact]
    public void Classify_gives_the_softmax_of_the_models_outputs_on_standardised_rows_and_reset_starts_a_new_sequence()
    {
        var model = Model();
        var classifier = new StreamingClassifier(model);
        Assert.Equal(["a", "b", "c"], classifier.Classes);
        var probabilities = new float[3];
        foreach (var (count, seed) in new[] { (17, 1), (5, 2) })
        {
            classifier.Reset();
            var rows = Rows(count, seed);
            foreach (var row in rows) classifier.Push(row);
            Assert.Equal(count, classifier.Rows);
            int best = classifier.Classify(probabilities);
            var expected = Expected(model, rows);
            for (int c = 0; c < 3; c++) Assert.Equal(expected[c], probabilities[c], 1e-6);
            Assert.Equal(Array.IndexOf(expected, expected.Max()), best);
        }
    }

    [Fact]
    public void Missing_or_mismatched_classes_and_an_empty_sequence_are_refused()
    {
        Assert.Contains("metadata 'classify.classes' is missing", Assert.Throws<InvalidDataException>(() => new StreamingClassifier(Model(withClasses: false))).Message);
        Assert.Contains("gives 3 outputs, but its metadata names 2 inputs and 2 classes", Assert.Throws<InvalidDataException>(() => new StreamingClassifier(Model("[\"a\",\"b\"]"))).Message);
        Assert.Contains("not a JSON array", Assert.Throws<InvalidDataException>(() => new StreamingClassifier(Model("a,b,c"))).Message);
        Assert.Throws<InvalidOperationException>(() => new StreamingClassifier(Model()).Classify(new float[3]));
    }
}
