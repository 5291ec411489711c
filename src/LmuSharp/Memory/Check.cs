namespace LmuSharp.Memory;

/// <summary>Argument validation shared by the memory types: messages name the parameter and the accepted range.</summary>
internal static class Check
{
    public static int Order(int order, string parameter = "order") =>
        order >= 1 ? order : throw new ArgumentOutOfRangeException(parameter, order, $"{parameter} must be ≥ 1 (the number of Legendre coefficients), got {order}.");

    public static double Theta(double theta, string parameter = "theta") =>
        double.IsFinite(theta) && theta > 0 ? theta
            : throw new ArgumentOutOfRangeException(parameter, theta, $"{parameter} must be finite and > 0 (the window length in steps), got {theta}.");

    public static double Delay(double delay, double theta, string parameter = "delay") =>
        delay >= 0 && delay <= theta ? delay
            : throw new ArgumentOutOfRangeException(parameter, delay, $"{parameter} must lie in [0, θ] = [0, {theta}], got {delay}.");

    public static int Positive(int value, string parameter) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} must be ≥ 1, got {value}.");

    public static void Length(int actual, int expected, string parameter)
    {
        if (actual != expected) throw new ArgumentException($"{parameter} must have length {expected}, got {actual}.", parameter);
    }
}
