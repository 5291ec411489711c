using LmuSharp.Audio;
using LmuSharp.Cli.Data.Kws;

namespace LmuSharp.Cli.Tests.Kws;

public class KwsScoreTests
{
    [Fact]
    public void Hits_need_the_right_word_within_half_a_second_and_count_once()
    {
        SpokenWord[] truth = [new(10, 10.5, "yes"), new(20, 20.4, "no"), new(30, 30.5, "bed"), new(40, 40.5, "go")];
        Detection[] detections =
        [
            new(10.9, "yes", 0.9f, 10.9),  // hit (end + 0.4)
            new(10.95, "yes", 0.9f, 10.95), // a second detection of the same word: false alarm
            new(20.2, "up", 0.9f, 20.2),   // wrong word: false alarm
            new(30.3, "bed", 0.9f, 30.3),  // not a keyword: false alarm
            new(41.2, "go", 0.9f, 41.2),   // 0.7 s late: false alarm, and "go" is missed
        ];
        var s = KwsScore.Of(detections, truth, seconds: 3600);
        Assert.Equal((3, 5, 1, 4), (s.Keywords, s.Detections, s.Hits, s.FalseAlarms));
        Assert.Equal(1 / 5.0, s.Precision, 12);
        Assert.Equal(1 / 3.0, s.Recall, 12);
        Assert.Equal(2 * (0.2 / 3) / (0.2 + 1 / 3.0), s.F1, 12);
        Assert.Equal(4, s.FalseAlarmsPerHour, 12);
    }
}
