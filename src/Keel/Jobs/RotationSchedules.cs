using System.ComponentModel.DataAnnotations;
using Keel.Http;

namespace Keel.Jobs;

/// <summary>The <c>rotation</c> object of a request, on client keys and on webhook endpoints.</summary>
public sealed record RotationSpec([property: Required] int? EveryDays, int? GracePeriodSeconds, int? NotifyDaysBefore);

/// <summary>A rotation schedule as reads show it, with the time of the next rotation.</summary>
public sealed record RotationView(int EveryDays, int GracePeriodSeconds, int NotifyDaysBefore, DateTime? NextRotationAt);

/// <summary>A row that can carry a rotation schedule: an API key or a webhook endpoint.</summary>
public interface IRotationScheduled
{
    int? RotationEveryDays { get; set; }
    int? RotationGraceSeconds { get; set; }
    int? RotationNotifyDaysBefore { get; set; }
    /// <summary>When the scheduler rotates next; null without a schedule (and on a key already rotated).</summary>
    DateTime? NextRotationAt { get; set; }
    /// <summary>When the rotation notice is due; cleared by the scan that announces it, so each due date is announced once.</summary>
    DateTime? RotationNoticeDueAt { get; set; }
}

public static class RotationSchedules
{
    public const int MaxEveryDays = 365;
    /// <summary>A scheduled rotation has nobody watching: the grace is the time to pick up the new secret.</summary>
    public static readonly TimeSpan MinGrace = TimeSpan.FromMinutes(1);

    /// <summary>Checks a schedule against the feature's grace limits.</summary>
    public static void Check(Validation check, RotationSpec? spec, RotationLimits limits)
    {
        if (spec is null)
        {
            return;
        }
        if (spec.EveryDays is not (>= 1 and <= MaxEveryDays))
        {
            check.Require(false, "rotation.every_days", $"rotation.every_days is required, from 1 to {MaxEveryDays}.");
            return;
        }
        var every = spec.EveryDays.Value;
        // A grace as long as the interval would keep two old keys alive beside the current one.
        var maxGrace = Min(limits.MaxGrace, TimeSpan.FromDays(every) - TimeSpan.FromSeconds(1));
        check.Require(spec.NotifyDaysBefore is null || (spec.NotifyDaysBefore >= 0 && spec.NotifyDaysBefore < every),
                "rotation.notify_days_before", "rotation.notify_days_before must be from 0 (no notice) to every_days - 1.")
            .Require(spec.GracePeriodSeconds is null || (spec.GracePeriodSeconds >= MinGrace.TotalSeconds && spec.GracePeriodSeconds <= maxGrace.TotalSeconds),
                "rotation.grace_period_seconds",
                $"rotation.grace_period_seconds must be from {(int)MinGrace.TotalSeconds} to {(int)maxGrace.TotalSeconds} (at most {(int)limits.MaxGrace.TotalSeconds}, and shorter than every_days).");
    }

    /// <summary>Sets or (with null) removes a schedule checked by <see cref="Check"/>; the first rotation is <c>every_days</c> from now.</summary>
    public static void Apply(IRotationScheduled row, RotationSpec? spec, RotationLimits limits, DateTime now)
    {
        row.RotationEveryDays = spec?.EveryDays;
        row.RotationGraceSeconds = spec is null ? null
            // Without a grace of its own, the default one, cut to half the interval for short intervals.
            : spec.GracePeriodSeconds ?? (int)Min(limits.DefaultGrace, TimeSpan.FromDays(spec.EveryDays!.Value) / 2).TotalSeconds;
        row.RotationNotifyDaysBefore = spec is null ? null : spec.NotifyDaysBefore ?? 0;
        Restart(row, now);
    }

    /// <summary>The schedule starts over at <paramref name="from"/> (a rotation, or a new schedule).</summary>
    public static void Restart(IRotationScheduled row, DateTime from) =>
        (row.NextRotationAt, row.RotationNoticeDueAt) = NextTimes(row, from);

    /// <summary>The next rotation and its notice (null when the schedule asks for none), counted from <paramref name="from"/>.</summary>
    public static (DateTime? Next, DateTime? NoticeDue) NextTimes(IRotationScheduled row, DateTime from)
    {
        if (row.RotationEveryDays is not { } every)
        {
            return (null, null);
        }
        var next = from.AddDays(every);
        return (next, row.RotationNotifyDaysBefore is { } notify and > 0 ? next.AddDays(-notify) : null);
    }

    /// <summary>Copies the schedule to a successor, whose first rotation is <c>every_days</c> from <paramref name="from"/>.</summary>
    public static void Inherit(IRotationScheduled from, IRotationScheduled to, DateTime now)
    {
        to.RotationEveryDays = from.RotationEveryDays;
        to.RotationGraceSeconds = from.RotationGraceSeconds;
        to.RotationNotifyDaysBefore = from.RotationNotifyDaysBefore;
        Restart(to, now);
    }

    public static RotationView? View(IRotationScheduled row) => row.RotationEveryDays is { } every
        ? new RotationView(every, row.RotationGraceSeconds ?? 0, row.RotationNotifyDaysBefore ?? 0, row.NextRotationAt)
        : null;

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>A feature's bounds on rotation grace (keys allow longer than webhook secrets) and its default.</summary>
public sealed record RotationLimits(TimeSpan MaxGrace, TimeSpan DefaultGrace);
