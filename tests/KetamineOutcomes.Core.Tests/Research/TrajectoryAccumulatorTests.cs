using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Research;
using static KetamineOutcomes.Core.Tests.Research.ResearchFixtures;

namespace KetamineOutcomes.Core.Tests.Research;

public class TrajectoryAccumulatorTests
{
    [Fact]
    public void By_session_each_patient_counts_once_per_bucket_with_their_last_assessment()
    {
        var acc = new TrajectoryAccumulator(Instrument.Phq9, TrajectoryGrouping.Session);
        for (var i = 0; i < 12; i++)
        {
            // Baseline 20; two assessments after infusion 1 (the later, 10, counts); 4 after infusion 6.
            acc.Add(Patient(Course, (-1, 20), (1, 16), (1.5, 10), (12, 4)));
        }
        var buckets = acc.Finish(11);
        Assert.Equal([0, 1, 6], buckets.Select(b => b.Bucket.Number));
        var s1 = buckets[1];
        Assert.Equal((12, 10.0, 0.0), (s1.N!.Value, s1.Mean!.Value, s1.Sd!.Value));
        Assert.Equal((1.0, 0.0, false), (s1.ResponseRate!.Value, s1.RemissionRate!.Value, s1.RateSuppressed));
        var s6 = buckets[2];
        Assert.Equal((1.0, 1.0), (s6.ResponseRate!.Value, s6.RemissionRate!.Value));
        Assert.Null(buckets[0].ResponseRate); // session 0 holds baselines: no post-baseline assessment to rate
    }

    [Fact]
    public void Buckets_under_k_are_suppressed_with_no_statistics()
    {
        var acc = new TrajectoryAccumulator(Instrument.Phq9, TrajectoryGrouping.Session);
        for (var i = 0; i < 11; i++) acc.Add(Patient(Course, (-1, 18), (1, 12)));
        for (var i = 0; i < 3; i++) acc.Add(Patient(Course, (-1, 18), (12, 6))); // only 3 reach session 6
        var six = acc.Finish(11).Single(b => b.Bucket.Number == 6);
        Assert.Equal(new TrajectoryBucket(new BucketKey(6), true, null, null, null, null, null, null, null, false), six);
    }

    [Fact]
    public void Rates_whose_numerator_or_complement_is_small_are_suppressed_in_a_published_bucket()
    {
        var acc = new TrajectoryAccumulator(Instrument.Phq9, TrajectoryGrouping.Session);
        for (var i = 0; i < 14; i++) acc.Add(Patient(Course, (-1, 20), (1, i < 3 ? 8 : 16))); // 3 responders of 14
        var s1 = acc.Finish(11).Single(b => b.Bucket.Number == 1);
        Assert.Equal(14, s1.N);
        Assert.Null(s1.ResponseRate);
        Assert.Equal(0.0, s1.RemissionRate);
        Assert.True(s1.RateSuppressed);
    }

    [Fact]
    public void By_week_the_baseline_has_its_own_bucket_and_earlier_assessments_get_negative_weeks()
    {
        var acc = new TrajectoryAccumulator(Instrument.Phq9, TrajectoryGrouping.Week);
        for (var i = 0; i < 11; i++) acc.Add(Patient(Course, (-20, 22), (-1, 20), (1, 14), (6.9, 12), (7, 9), (29, 5)));
        var buckets = acc.Finish(11);
        Assert.Equal([null, -3, 0, 1, 4], buckets.Select(b => b.Bucket.Number));
        Assert.Equal([20.0, 22.0, 12.0, 9.0, 5.0], buckets.Select(b => b.Mean!.Value)); // week 0's last: day 6.9
    }

    [Fact]
    public void Patients_without_infusions_count_in_session_0_but_in_no_week()
    {
        var session = new TrajectoryAccumulator(Instrument.Phq9, TrajectoryGrouping.Session);
        var week = new TrajectoryAccumulator(Instrument.Phq9, TrajectoryGrouping.Week);
        for (var i = 0; i < 11; i++)
        {
            var p = Patient([], (0, 15));
            session.Add(p);
            week.Add(p);
        }
        Assert.Equal(11, session.Finish(11).Single().N);
        Assert.Empty(week.Finish(11));
    }
}
