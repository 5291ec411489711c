using System.Globalization;

namespace LmuSharp.Tests;

/// <summary>
/// An independent, deliberately plain double-precision implementation of the docs/FORMAT.md equations:
/// explicit loops, one stream, no shared code with the runtime.
/// </summary>
sealed class ReferenceModel
{
    readonly List<Func<double[], double[]>> _layers = [];

    public ReferenceModel(Dictionary<string, float[]> w, Dictionary<string, string> meta)
    {
        int count = int.Parse(meta["layers"], CultureInfo.InvariantCulture);
        for (int l = 0; l < count; l++)
        {
            string p = $"layers.{l}.";
            int Int(string key) => int.Parse(meta[p + key], CultureInfo.InvariantCulture);
            float[] W(string name) => w[p + name];
            _layers.Add(meta[p + "type"] switch
            {
                "dense" => Dense(W("weight"), W("bias"), meta[p + "activation"]),
                "parallel_lmu" => ParallelLmu(w, meta, p, Int("memory_d"), Int("order")),
                "lmu_cell" => LmuCell(w, meta, p, Int("memory_d"), Int("order")),
                "gilr" => Gilr(W("gate.weight"), W("gate.bias"), W("candidate.weight"), W("candidate.bias"), new double[Int("hidden_size")]),
                "gilr_lstm" => GilrLstm(w, p, Int("hidden_size")),
                "sru" => Sru(w, p, Int("hidden_size")),
                "qrnn" => Qrnn(w, p, Int("input_size"), Int("hidden_size"), Int("window")),
                var t => throw new NotSupportedException(t),
            });
        }
    }

    public double[] Step(double[] x)
    {
        foreach (var layer in _layers) x = layer(x);
        return x;
    }

    static double[] MatVec(float[] m, double[] x)
    {
        int rows = m.Length / x.Length;
        var y = new double[rows];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < x.Length; j++) y[i] += m[i * x.Length + j] * x[j];
        return y;
    }

    static double[] Add(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();
    static double[] Add(double[] a, float[] b) => a.Select((v, i) => v + b[i]).ToArray();
    static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    static double[] Act(string name, double[] v) => v.Select(e => name switch
    {
        "tanh" => Math.Tanh(e),
        "sigmoid" => Sigmoid(e),
        "relu" => Math.Max(e, 0),
        "identity" => e,
        "gelu" => 0.5 * e * (1 + MathNet.Numerics.SpecialFunctions.Erf(e / Math.Sqrt(2))),
        _ => throw new NotSupportedException(name),
    }).ToArray();

    static Func<double[], double[]> Dense(float[] weight, float[] bias, string activation) =>
        x => Act(activation, Add(MatVec(weight, x), bias));

    /// <summary>m_c ← Ā m_c + B̄ u_c for each channel c.</summary>
    static void MemoryStep(double[][] m, float[] aBar, float[] bBar, double[] u)
    {
        int d = bBar.Length;
        for (int c = 0; c < m.Length; c++)
        {
            var next = new double[d];
            for (int i = 0; i < d; i++)
            {
                for (int j = 0; j < d; j++) next[i] += aBar[i * d + j] * m[c][j];
                next[i] += bBar[i] * u[c];
            }
            m[c] = next;
        }
    }

    static Func<double[], double[]> ParallelLmu(Dictionary<string, float[]> w, Dictionary<string, string> meta, string p, int channels, int order)
    {
        var m = Enumerable.Range(0, channels).Select(_ => new double[order]).ToArray();
        return x =>
        {
            var u = Act(meta[p + "input_activation"], Add(MatVec(w[p + "input_encoder.weight"], x), w[p + "input_encoder.bias"]));
            MemoryStep(m, w[p + "A_bar"], w[p + "B_bar"], u);
            var vec = m.SelectMany(r => r).ToArray();
            if (meta[p + "hidden_cell"] == "none") return vec;
            var z = meta[p + "input_to_hidden"] == "true" ? vec.Concat(x).ToArray() : vec;
            return Act(meta[p + "hidden_activation"], Add(MatVec(w[p + "hidden.weight"], z), w[p + "hidden.bias"]));
        };
    }

    static Func<double[], double[]> LmuCell(Dictionary<string, float[]> w, Dictionary<string, string> meta, string p, int channels, int order)
    {
        var m = Enumerable.Range(0, channels).Select(_ => new double[order]).ToArray();
        string cell = meta[p + "hidden_cell"];
        int hidden = cell == "none" ? 0 : int.Parse(meta[p + "hidden_size"], CultureInfo.InvariantCulture);
        var h = new double[hidden];
        var c = new double[hidden];
        return x =>
        {
            var u = Add(MatVec(w[p + "input_encoder.weight"], x), w[p + "input_encoder.bias"]);
            if (meta[p + "hidden_to_memory"] == "true") u = Add(u, MatVec(w[p + "hidden_encoder.weight"], h));
            if (meta[p + "memory_to_memory"] == "true") u = Add(u, MatVec(w[p + "memory_encoder.weight"], m.SelectMany(r => r).ToArray()));
            MemoryStep(m, w[p + "A_bar"], w[p + "B_bar"], u);
            var vec = m.SelectMany(r => r).ToArray();
            if (cell == "none") return vec;
            var z = meta[p + "input_to_hidden"] == "true" ? vec.Concat(x).ToArray() : vec;
            if (cell == "linear") return h = Act(meta[p + "hidden_activation"], Add(MatVec(w[p + "hidden.weight"], z), w[p + "hidden.bias"]));
            var gi = Add(MatVec(w[p + "hidden.weight_ih"], z), w[p + "hidden.bias_ih"]);
            var gh = Add(MatVec(w[p + "hidden.weight_hh"], h), w[p + "hidden.bias_hh"]);
            var next = new double[hidden];
            for (int k = 0; k < hidden; k++)
            {
                switch (cell)
                {
                    case "rnn":
                        next[k] = Act(meta[p + "hidden_activation"], [gi[k] + gh[k]])[0];
                        break;
                    case "lstm":
                        double i = Sigmoid(gi[k] + gh[k]), f = Sigmoid(gi[hidden + k] + gh[hidden + k]);
                        double g = Math.Tanh(gi[2 * hidden + k] + gh[2 * hidden + k]), o = Sigmoid(gi[3 * hidden + k] + gh[3 * hidden + k]);
                        c[k] = f * c[k] + i * g;
                        next[k] = o * Math.Tanh(c[k]);
                        break;
                    case "gru":
                        double r = Sigmoid(gi[k] + gh[k]), zg = Sigmoid(gi[hidden + k] + gh[hidden + k]);
                        double n = Math.Tanh(gi[2 * hidden + k] + r * gh[2 * hidden + k]);
                        next[k] = (1 - zg) * n + zg * h[k];
                        break;
                }
            }
            return h = next;
        };
    }

    static Func<double[], double[]> Gilr(float[] gw, float[] gb, float[] iw, float[] ib, double[] h) => x =>
    {
        var g = Act("sigmoid", Add(MatVec(gw, x), gb));
        var i = Act("tanh", Add(MatVec(iw, x), ib));
        for (int k = 0; k < h.Length; k++) h[k] = g[k] * h[k] + (1 - g[k]) * i[k];
        return (double[])h.Clone();
    };

    static Func<double[], double[]> GilrLstm(Dictionary<string, float[]> w, string p, int hidden)
    {
        var tilde = new double[hidden];
        var gilr = Gilr(w[p + "gilr.gate.weight"], w[p + "gilr.gate.bias"], w[p + "gilr.candidate.weight"], w[p + "gilr.candidate.bias"], tilde);
        var c = new double[hidden];
        return x =>
        {
            var gates = Add(Add(MatVec(w[p + "gates.weight_h"], tilde), MatVec(w[p + "gates.weight_x"], x)), w[p + "gates.bias"]);
            gilr(x);
            var h = new double[hidden];
            for (int k = 0; k < hidden; k++)
            {
                double i = Sigmoid(gates[k]), f = Sigmoid(gates[hidden + k]), g = Math.Tanh(gates[2 * hidden + k]), o = Sigmoid(gates[3 * hidden + k]);
                c[k] = f * c[k] + i * g;
                h[k] = o * c[k];
            }
            return h;
        };
    }

    /// <summary>c = f c + (1 − f) x̃, h = r tanh(c) + (1 − r) s; s = x or W_s x.</summary>
    static Func<double[], double[]> Sru(Dictionary<string, float[]> w, string p, int hidden)
    {
        var c = new double[hidden];
        return x =>
        {
            var g = Add(MatVec(w[p + "gates.weight"], x), w[p + "gates.bias"]);
            var s = w.TryGetValue(p + "skip.weight", out var skip) ? MatVec(skip, x) : x;
            var h = new double[hidden];
            for (int k = 0; k < hidden; k++)
            {
                double f = Sigmoid(g[hidden + k]), r = Sigmoid(g[2 * hidden + k]);
                c[k] = f * c[k] + (1 - f) * g[k];
                h[k] = r * Math.Tanh(c[k]) + (1 - r) * s[k];
            }
            return h;
        };
    }

    /// <summary>w_t = the last k inputs, oldest first (zeros before the start); c = f c + (1 − f) z, h = o c.</summary>
    static Func<double[], double[]> Qrnn(Dictionary<string, float[]> w, string p, int inputs, int hidden, int window)
    {
        var c = new double[hidden];
        var past = new double[window * inputs];
        return x =>
        {
            Array.Copy(past, inputs, past, 0, (window - 1) * inputs);
            Array.Copy(x, 0, past, (window - 1) * inputs, inputs);
            var g = Add(MatVec(w[p + "gates.weight"], past), w[p + "gates.bias"]);
            var h = new double[hidden];
            for (int k = 0; k < hidden; k++)
            {
                double z = Math.Tanh(g[k]), f = Sigmoid(g[hidden + k]), o = Sigmoid(g[2 * hidden + k]);
                c[k] = f * c[k] + (1 - f) * z;
                h[k] = o * c[k];
            }
            return h;
        };
    }
}
