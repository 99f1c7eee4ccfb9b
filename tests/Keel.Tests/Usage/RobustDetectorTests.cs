using Keel.Usage.Anomalies;

namespace Keel.Tests.Usage;

/// <summary>Keel's robust detector on synthetic series: spikes, level shifts, daily seasonality, warm-up, bounds, state size.</summary>
public sealed class RobustDetectorTests
{
    static readonly DateTimeOffset Start = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    static readonly AnomaliesOptions Defaults = new();

    /// <summary>Feeds values at a fixed interval and returns every score.</summary>
    static List<AnomalyScore> Feed(IEnumerable<double> values, TimeSpan interval, IAnomalySeries? series = null)
    {
        series ??= new RobustDetector(Defaults).NewSeries();
        return [.. values.Select((v, i) => series.Observe(Start + (i * interval), v))];
    }

    /// <summary>Gaussian noise from a fixed seed.</summary>
    static double[] Noise(int count, double sigma, int seed = 7)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))];
    }

    static double DailyWave(int i, TimeSpan interval) => 100 + (40 * Math.Sin(2 * Math.PI * (i * interval).TotalDays));

    [Fact]
    public void Spike_AfterWarmUp_ScoresHighAtTheSpike_AndLowBefore()
    {
        var interval = TimeSpan.FromMinutes(5);
        var values = Noise(1000, 2).Select(n => 50 + n).ToArray();
        values[800] = 90; // 20 standard deviations

        var scores = Feed(values, interval);

        Assert.True(scores[800].Score >= Defaults.Threshold, $"spike scored {scores[800].Score}");
        var before = scores.Skip(400).Take(400).Count(s => s.Score >= Defaults.Threshold);
        Assert.True(before <= 2, $"{before} alarms on plain noise before the spike");
        Assert.Equal(90, scores[800].Observed);
        Assert.InRange(scores[800].Baseline, 48, 52);
        Assert.True(scores[800].ExpectedHigh < 90 && scores[800].ExpectedLow < scores[800].Baseline);
    }

    [Fact]
    public void LevelShift_FiresNearTheShift_ThenQuietsAsTheBaselineAdapts()
    {
        var interval = TimeSpan.FromMinutes(5);
        var noise = Noise(1500, 1);
        var values = noise.Select((n, i) => (i < 700 ? 20 : 35) + n).ToArray();

        var scores = Feed(values, interval);

        Assert.Contains(scores.Skip(700).Take(6), s => s.Score >= Defaults.Threshold);
        // A few hours later the new level is the baseline and the shift raises no further alarm.
        Assert.DoesNotContain(scores.Skip(760), s => s.Score >= Defaults.Threshold);
        Assert.InRange(scores[^1].Baseline, 33, 37);
    }

    [Fact]
    public void LevelShift_SoonAfterABiggerSpike_FiresOnTheSustainedRun()
    {
        // A 40σ spike raises the bar for single values for days; a 12σ shift five hours later is no record as one value,
        // but SustainedValues values in a row that far out are.
        var interval = TimeSpan.FromMinutes(5);
        var noise = Noise(1200, 1);
        var values = noise.Select((n, i) => (i < 700 ? 20 : 32) + n).ToArray();
        values[640] = 60;

        var scores = Feed(values, interval);

        Assert.True(scores[640].Score >= Defaults.Threshold, $"spike scored {scores[640].Score}");
        Assert.DoesNotContain(scores.Skip(700).Take(Defaults.SustainedValues - 1), s => s.Score >= Defaults.Threshold);
        Assert.Contains(scores.Skip(700).Take(Defaults.SustainedValues + 2), s => s.Score >= Defaults.Threshold);
        Assert.DoesNotContain(scores.Skip(760), s => s.Score >= Defaults.Threshold);
    }

    [Fact]
    public void Spike_OnASeriesThatOftenSpikedBigger_IsNoAlarm_ButAFirstOfItsSizeIs()
    {
        // A 40σ spike every day for twelve days, then four quiet days: the fading largest surprise has dropped to about
        // 10σ, so a 20σ spike is a record for the last few days, but this series has done bigger a dozen times in the
        // last two weeks (SurpriseHistory). A 120σ spike has no larger one counted and alarms.
        var interval = TimeSpan.FromMinutes(5);
        var values = Noise(5000, 2).Select(n => 50 + n).ToArray();
        for (var day = 1; day <= 12; day++)
        {
            values[(day * 288) + (day * 7)] += 80;
        }
        values[4600] += 40;
        values[4800] += 240;

        var scores = Feed(values, interval);
        var forgetful = Feed(values, interval, new RobustDetector(new AnomaliesOptions { SurpriseHistory = TimeSpan.FromSeconds(1) }).NewSeries());

        Assert.True(scores[4600].Score < Defaults.Threshold, $"a spike smaller than many recent ones scored {scores[4600].Score}");
        Assert.True(forgetful[4600].Score >= Defaults.Threshold, $"without the history the record for the last days scored {forgetful[4600].Score}");
        Assert.True(scores[4800].Score >= Defaults.Threshold, $"the largest spike yet scored {scores[4800].Score}");
    }

    [Fact]
    public void Burst_LastingSeveralIntervals_IsOneAlarm()
    {
        // The first interval is news; the rest of the burst, though it lasts and sets new extremes, is the same incident.
        var interval = TimeSpan.FromMinutes(5);
        var values = Noise(1000, 2).Select(n => 50 + n).ToArray();
        for (var i = 800; i < 810; i++)
        {
            values[i] += 40;
        }

        var scores = Feed(values, interval);

        Assert.True(scores[800].Score >= Defaults.Threshold, $"burst scored {scores[800].Score}");
        Assert.Equal([800], scores.Select((s, i) => (s.Score, i)).Where(p => p.i >= 400 && p.Score >= Defaults.Threshold).Select(p => p.i));
    }

    [Fact]
    public void VolatilityBurst_WithoutASingleOutlier_IsOneAlarm()
    {
        // Five hours in which the series swings by about 2.2σ either way at every value: no value leaves the normal band
        // (3σ) and no two in a row are on one side, but the short-memory deviation reaches over twice the
        // long-memory one, which the series has never done.
        var interval = TimeSpan.FromMinutes(5);
        var noise = Noise(1200, 1);
        var values = noise.Select(n => 50 + n).ToArray();
        for (var i = 800; i < 860; i++)
        {
            values[i] = 50 + ((i % 2 == 0 ? 1 : -1) * 2.2) + (0.2 * noise[i]);
        }

        var scores = Feed(values, interval);

        Assert.All(scores.Skip(800).Take(60), s => Assert.InRange(s.Observed, s.ExpectedLow, s.ExpectedHigh));
        var alarms = scores.Select((s, i) => (s.Score, i)).Where(p => p.i >= 400 && p.Score >= Defaults.Threshold).Select(p => p.i).ToList();
        Assert.Single(alarms);
        Assert.InRange(alarms[0], 800, 830);
    }

    [Fact]
    public void DailySeasonality_NoAlarmOnRegularPeaks_AlarmOnAnOffSeasonBump()
    {
        var interval = TimeSpan.FromMinutes(5);
        const int perDay = 288;
        var noise = Noise(perDay * 8, 1.5);
        var values = noise.Select((n, i) => DailyWave(i, interval) + n).ToArray();
        // Day 7, at the wave's trough (18:00 UTC), the value rises to the level of an ordinary daily peak for an hour.
        var bump = (7 * perDay) + (18 * 12);
        for (var i = bump; i < bump + 12; i++)
        {
            values[i] = 140 + noise[i];
        }

        var scores = Feed(values, interval);

        var regular = scores.Skip(3 * perDay).Take(bump - (3 * perDay)).Count(s => s.Score >= Defaults.Threshold);
        Assert.True(regular <= 2, $"{regular} alarms on four days of ordinary peaks");
        Assert.Contains(scores.Skip(bump).Take(12), s => s.Score >= Defaults.Threshold);
    }

    [Fact]
    public void DailySquareWave_AtMinuteResolution_MissingJumpIsAnAlarm()
    {
        // Busy from 08:00 to 20:00 every day; on day 6 the busy period never starts. Only the hour-of-day baseline
        // can tell: to the level alone, a quiet morning after a quiet night is no news.
        var interval = TimeSpan.FromMinutes(1);
        const int perDay = 1440;
        var noise = Noise(perDay * 7, 1);
        var values = noise.Select((n, i) => (i % perDay is >= 480 and < 1200 && i / perDay != 6 ? 80 : 20) + n).ToArray();

        var scores = Feed(values, interval);

        var regular = scores.Skip(2 * perDay).Take(4 * perDay).Count(s => s.Score >= Defaults.Threshold);
        Assert.True(regular <= 2, $"{regular} alarms on four days of the ordinary daily pattern");
        Assert.Contains(scores.Skip((6 * perDay) + 480).Take(60), s => s.Score >= Defaults.Threshold);
        Assert.True(scores[(5 * perDay) + 600].Baseline > 60, "the baseline on a busy morning is nearer busy than quiet");
    }

    [Fact]
    public void WarmUp_ScoresZero_EvenForWildValues()
    {
        var interval = TimeSpan.FromMinutes(5);
        var warmUpValues = (int)(Defaults.WarmUp / interval);
        var values = Enumerable.Range(0, warmUpValues).Select(i => i % 17 == 0 ? 1e6 : i % 5);

        var scores = Feed(values, interval);

        Assert.All(scores, s => Assert.Equal(0, s.Score));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Scores_AreAlwaysWithinZeroAndOne(int seed)
    {
        var random = new Random(seed);
        // Spikes, steps, zeros, huge and tiny values, repeated timestamps: nothing may leave [0, 1] or be NaN.
        var series = new RobustDetector(Defaults).NewSeries();
        var at = Start;
        for (var i = 0; i < 20_000; i++)
        {
            at += TimeSpan.FromSeconds(random.Next(0, 600));
            var value = random.Next(10) switch
            {
                0 => 0,
                1 => random.NextDouble() * 1e9,
                2 => -random.NextDouble() * 1e3,
                _ => 5 + random.NextDouble(),
            };
            var score = series.Observe(at, value).Score;
            Assert.InRange(score, 0, 1);
        }
    }

    [Fact]
    public void FlatSeries_NeverAlarms()
    {
        var scores = Feed(Enumerable.Repeat(7.0, 2000), TimeSpan.FromMinutes(5));

        Assert.All(scores, s => Assert.Equal(0, s.Score));
    }

    [Fact]
    public void State_DoesNotGrowWithTheValuesSeen()
    {
        var made = GC.GetAllocatedBytesForCurrentThread();
        var series = new RobustDetector(Defaults).NewSeries();
        var size = GC.GetAllocatedBytesForCurrentThread() - made;
        var noise = Noise(1000, 2);
        for (var i = 0; i < 20_000; i++)
        {
            series.Observe(Start + (i * TimeSpan.FromMinutes(1)), noise[i % noise.Length]);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 20_000; i < 120_000; i++)
        {
            series.Observe(Start + (i * TimeSpan.FromMinutes(1)), noise[i % noise.Length]);
        }

        // 100,000 values allocate nothing (the JIT may allocate a little while it tiers the code up), so nothing
        // accumulates; and the state is one small object.
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - allocated, 0, 16 * 1024);
        Assert.InRange(size, 1, 512);
    }
}
