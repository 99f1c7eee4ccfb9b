using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Keel.Hosting;
using Keel.Http;
using Keel.Jobs;
using Keel.Keys;
using Keel.Secrets;
using Keel.Storage;
using Keel.Tenants;
using Keel.Tests.Infrastructure;
using Keel.Usage;
using Keel.Usage.Anomalies;
using Keel.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Keel.Tests.Hosting;

/// <summary>
/// Every setting of every options class refuses a bad value at start: the process exits with 2 and one line on stderr
/// that names the setting, before the host starts (so the host's own error log, with its stack trace, never runs).
/// Each case runs the <c>keel</c> command line in-process, as Program does; one runs the real executable.
/// </summary>
public sealed class SettingsValidationTests
{
    /// <summary>A bad value for <paramref name="Property"/> of <paramref name="Options"/>: <c>--</c> arguments, the last one naming the setting.</summary>
    public sealed record BadValue(Type Options, string Property, params string[] Settings)
    {
        /// <summary>What the message must name: the last setting's key, without a list index.</summary>
        public string Name => System.Text.RegularExpressions.Regex.Replace(Settings[^1].Split('=')[0], @":\d+$", "");
    }

    // Every settable property of every options class needs a case here (EverySetting_HasABadValueCase); booleans need none,
    // the binder refuses what is not a boolean, but one shows it.
    static readonly BadValue[] BadValues =
    [
        new(typeof(KeelOptions), nameof(KeelOptions.AdminToken), "Keel:AdminToken=short"),
        new(typeof(KeelOptions), nameof(KeelOptions.Role), "Keel:Role=everything"),
        new(typeof(KeelOptions), nameof(KeelOptions.Role), "Keel:Role="),
        new(typeof(SealingOptions), nameof(SealingOptions.MasterKey), "Keel:MasterKey=not-a-key"),
        new(typeof(SealingOptions), nameof(SealingOptions.MasterKey), "Webhooks:MasterKey=not-a-key"),
        new(typeof(SealingOptions), nameof(SealingOptions.MasterKeyFile), "Keel:MasterKeyFile= "),
        new(typeof(StorageOptions), nameof(StorageOptions.Provider), "Storage:Provider=mysql"),
        new(typeof(StorageOptions), nameof(StorageOptions.ConnectionString), "Storage:ConnectionString=nonsense"),
        new(typeof(StorageOptions), nameof(StorageOptions.ConnectionString), "Storage:Provider=postgres", "Storage:ConnectionString="),
        new(typeof(StorageOptions), nameof(StorageOptions.ConnectionString), "Storage:Provider=postgres", "Storage:ConnectionString=Hots=db"),
        new(typeof(StorageOptions), nameof(StorageOptions.MigrateOnStart), "Storage:MigrateOnStart=sometimes"),
        new(typeof(RedisOptions), nameof(RedisOptions.ConnectionString), "Redis:ConnectionString=abortConnect=maybe"),
        new(typeof(HttpOptions), nameof(HttpOptions.MaxRequestBodyBytes), "Http:MaxRequestBodyBytes=0"),
        new(typeof(HttpOptions), nameof(HttpOptions.MaxRequestBodyBytes), "Http:MaxRequestBodyBytes=2147483648"),
        new(typeof(TenantsOptions), nameof(TenantsOptions.DefaultPlanId), "Tenants:DefaultPlanId="),
        new(typeof(TenantsOptions), nameof(TenantsOptions.MaxWebhookEndpoints), "Tenants:MaxWebhookEndpoints=0"),
        new(typeof(TenantsOptions), nameof(TenantsOptions.MaxEventTypes), "Tenants:MaxEventTypes=0"),
        new(typeof(TenantsOptions), nameof(TenantsOptions.MaxRateLimitBuckets), "Tenants:MaxRateLimitBuckets=-1"),
        new(typeof(KeysOptions), nameof(KeysOptions.CacheTtl), "Keys:CacheTtl=00:00:00"),
        new(typeof(KeysOptions), nameof(KeysOptions.CacheTtl), "Keys:CacheTtl=soon"),
        new(typeof(KeysOptions), nameof(KeysOptions.NegativeCacheTtl), "Keys:NegativeCacheTtl=-00:00:01"),
        new(typeof(KeysOptions), nameof(KeysOptions.CacheMaxEntries), "Keys:CacheMaxEntries=10"),
        new(typeof(KeysOptions), nameof(KeysOptions.NegativeCacheMaxEntries), "Keys:NegativeCacheMaxEntries=10"),
        new(typeof(KeysOptions), nameof(KeysOptions.LastUsedFlushInterval), "Keys:LastUsedFlushInterval=00:00:00"),
        new(typeof(KeysOptions), nameof(KeysOptions.ChangeChannel), "Keys:ChangeChannel=carrier-pigeon"),
        new(typeof(KeysOptions), nameof(KeysOptions.ChangeChannelName), "Keys:ChangeChannelName=Key-Changes"),
        new(typeof(KeysOptions), nameof(KeysOptions.ExpiryNoticeDays), "Keys:ExpiryNoticeDays=366"),
        new(typeof(KeysOptions), nameof(KeysOptions.ExpiryScanInterval), "Keys:ExpiryScanInterval=50.00:00:00"),
        new(typeof(KeysOptions), nameof(KeysOptions.DefaultRotationGrace), "Keys:DefaultRotationGrace=31.00:00:00"),
        new(typeof(RotationScanOptions), nameof(RotationScanOptions.Interval), "Keys:RotationScanInterval=00:00:00"),
        new(typeof(UsageOptions), nameof(UsageOptions.FlushInterval), "Keys:Usage:FlushInterval=00:05:00"),
        new(typeof(UsageOptions), nameof(UsageOptions.RollupInterval), "Keys:Usage:RollupInterval=00:00:01"),
        new(typeof(UsageOptions), nameof(UsageOptions.RollupLag), "Keys:Usage:RollupLag=00:00:05"),
        new(typeof(UsageOptions), nameof(UsageOptions.RollupLag), "Keys:Usage:FlushInterval=00:00:10", "Keys:Usage:RollupLag=00:00:15"),
        new(typeof(UsageOptions), nameof(UsageOptions.MinuteRetention), "Keys:Usage:MinuteRetention=00:00:00"),
        new(typeof(UsageOptions), nameof(UsageOptions.HourRetention), "Keys:Usage:HourRetention=1.00:00:00"),
        new(typeof(UsageOptions), nameof(UsageOptions.HourRetention), "Keys:Usage:MinuteRetention=60.00:00:00", "Keys:Usage:HourRetention=30.00:00:00"),
        new(typeof(UsageOptions), nameof(UsageOptions.DayRetention), "Keys:Usage:DayRetention=10.00:00:00"),
        new(typeof(UsageOptions), nameof(UsageOptions.MaxCounters), "Keys:Usage:MaxCounters=10"),
        new(typeof(UsageOptions), nameof(UsageOptions.RetentionBatchSize), "Keys:Usage:RetentionBatchSize=0"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.Threshold), "Anomalies:Threshold=1.5"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.Threshold), "Anomalies:Threshold=NaN"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.HalfScoreRatio), "Anomalies:HalfScoreRatio=1"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.NormalDeviations), "Anomalies:NormalDeviations=0"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.SustainedValues), "Anomalies:SustainedValues=1"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.HalfScoreRangeExcess), "Anomalies:HalfScoreRangeExcess=0"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.LevelMemory), "Anomalies:LevelMemory=00:00:00"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.ScaleMemory), "Anomalies:ScaleMemory=366.00:00:00"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.SeasonMemory), "Anomalies:SeasonMemory=01:00:00"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.SurpriseMemory), "Anomalies:SurpriseMemory=00:00:00"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.SurpriseHistory), "Anomalies:SurpriseHistory=-1.00:00:00"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.WarmUp), "Anomalies:WarmUp=-00:00:01"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.ScanInterval), "Anomalies:ScanInterval=00:00:00"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.MaxCatchUp), "Anomalies:MaxCatchUp=2.00:00:00"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.IdleEviction), "Anomalies:IdleEviction=00:01:00"),
        new(typeof(AnomaliesOptions), nameof(AnomaliesOptions.MinimumChange), "Anomalies:MinimumChange=-1"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.RetrySchedule), "Webhooks:RetrySchedule:0=00:00:05", "Webhooks:RetrySchedule:1=00:00:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.RetrySchedule), "Webhooks:RetrySchedule:0=31.00:00:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.RetryJitter), "Webhooks:RetryJitter=0.6"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.AttemptTimeout), "Webhooks:AttemptTimeout=00:00:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.AttemptTimeout), "Webhooks:AttemptTimeout=00:02:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.MaxRetryAfter), "Webhooks:MaxRetryAfter=00:00:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.DisableAfter), "Webhooks:DisableAfter=-00:00:01"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.LeaseDuration), "Webhooks:LeaseDuration=00:00:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.PollInterval), "Webhooks:PollInterval=00:00:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.ClaimBatchSize), "Webhooks:ClaimBatchSize=0"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.MaxConcurrency), "Webhooks:MaxConcurrency=0"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.Retention), "Webhooks:Retention=00:00:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.RetentionBatchSize), "Webhooks:RetentionBatchSize=0"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.AllowHttp), "Webhooks:AllowHttp=maybe"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.AllowedNetworks), "Webhooks:AllowedNetworks:0=10.1.2.3/8"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.DefaultSecretGrace), "Webhooks:DefaultSecretGrace=8.00:00:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.IdempotencyWindow), "Webhooks:IdempotencyWindow=00:00:00"),
        new(typeof(WebhooksOptions), nameof(WebhooksOptions.WakeChannel), "Webhooks:WakeChannel=Wake-Up"),
        new(typeof(KestrelServerLimits), nameof(KestrelServerLimits.MaxRequestLineSize), "Kestrel:Limits:MaxRequestLineSize=-5"),
    ];

    public static TheoryData<string, string[]> Cases()
    {
        var cases = new TheoryData<string, string[]>();
        foreach (var bad in BadValues)
        {
            cases.Add(bad.Name, bad.Settings);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Serve_BadValue_ExitsWith2AndOneLineNamingTheSetting(string name, string[] settings)
    {
        // A serve that started would be stopped after 30 s with exit code 0. Stdout is not read: in-process nodes of
        // other tests write to the same console.
        var (exit, _, error) = await KeelVerbs.RunAsync(
            ["serve", "--urls=http://127.0.0.1:0", .. StorageArgs(), .. settings.Select(s => "--" + s)], TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        var line = Assert.Single(error.Split('\n'), l => l.StartsWith("Keel cannot start", StringComparison.Ordinal));
        Assert.Contains(name, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_TwoOptionsClassesWrong_OneLineNamingBoth()
    {
        var (exit, _, error) = await KeelVerbs.RunAsync(
            ["serve", "--urls=http://127.0.0.1:0", .. StorageArgs(), "--Keys:CacheTtl=00:00:00", "--Anomalies:Threshold=2"], TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        var line = Assert.Single(error.Split('\n'), l => l.StartsWith("Keel cannot start", StringComparison.Ordinal));
        Assert.Contains("Keys:CacheTtl", line, StringComparison.Ordinal);
        Assert.Contains("Anomalies:Threshold", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_BadValue_ExitsWith2()
    {
        var (exit, output, error) = await KeelVerbs.RunAsync(["migrate", .. StorageArgs(), "--Keys:CacheTtl=00:00:00"], TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        Assert.Contains("Keys:CacheTtl", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Migrations applied.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void EverySetting_HasABadValueCase()
    {
        var missing = OptionsClasses()
            .SelectMany(t => Settable(t).Where(p => p.PropertyType != typeof(bool)).Select(p => (Type: t, p.Name)))
            .Where(p => !BadValues.Any(b => b.Options == p.Type && b.Property == p.Name))
            .Select(p => $"{p.Type.Name}.{p.Name}")
            .ToList();

        Assert.True(missing.Count == 0, "Settings without a bad-value case in SettingsValidationTests: " + string.Join(", ", missing));
    }

    [Fact]
    public void Readme_ListsEverySetting_WithItsDefault()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryFiles.Root(), "README.md"));
        List<string> wrong = [];
        foreach (var (options, property) in OptionsClasses().SelectMany(t => Settable(t).Select(p => (t, p))))
        {
            var name = SettingName(options, property);
            var row = readme.FirstOrDefault(l => l.StartsWith($"| `{name}` |", StringComparison.Ordinal));
            var expected = property.GetValue(Activator.CreateInstance(options)) switch
            {
                TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                string { Length: > 0 } text => text,
                _ => null, // unset, or a list: the row says so in words
            };
            if (row is null || (expected is not null && row.Split('|')[2].Trim() != $"`{expected}`"))
            {
                wrong.Add(row is null ? $"{name}: no row" : $"{name}: default is {expected}");
            }
        }

        Assert.True(wrong.Count == 0, "README's settings table is out of date: " + string.Join("; ", wrong));
    }

    [Fact]
    public void OptionsClasses_AreFound_WhereverTheyAreRegistered()
    {
        var found = OptionsClasses();

        // The finder itself: classes registered in Hosting and in the features, and one bound from a section it shares.
        Assert.Contains(typeof(KeelOptions), found);
        Assert.Contains(typeof(WebhooksOptions), found);
        Assert.Contains(typeof(UsageOptions), found);
        Assert.Contains(typeof(RotationScanOptions), found);
        Assert.DoesNotContain(typeof(KeelCommandLine), found);
    }

    [Fact]
    public async Task EveryOptionsClass_IsCheckedBeforeTheHostStarts()
    {
        // What CreateAppAsync runs right after Build: a class left out of ValidateOnStart would only fail once the host
        // starts, in the host's own error log.
        List<string> notChecked = [];
        foreach (var options in OptionsClasses())
        {
            var bad = BadValues.First(b => b.Options == options);
            var builder = WebApplication.CreateBuilder([.. StorageArgs(), .. bad.Settings.Select(s => "--" + s)]);
            builder.AddKeel();
            await using var app = builder.Build();
            try
            {
                app.Services.GetRequiredService<IStartupValidator>().Validate();
                notChecked.Add($"{options.Name} ({bad.Name})");
            }
            catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
            {
                Assert.Contains(bad.Name, e.Message, StringComparison.Ordinal);
            }
        }

        Assert.True(notChecked.Count == 0, "Not validated at start: " + string.Join(", ", notChecked));
    }

    [Fact]
    public async Task Executable_BadValue_ExitsWith2AndOneLineOnStderr_NoStackTrace()
    {
        var folder = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[Path.Combine(folder, "keel.dll"), "--urls=http://127.0.0.1:0", .. StorageArgs(), "--Keys:CacheTtl=00:00:00"])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("ASPNETCORE_URLS");

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single((await error).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Keel cannot start, a setting is invalid: Keys:CacheTtl must be", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", await output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", await output, StringComparison.Ordinal);
    }

    static IEnumerable<PropertyInfo> Settable(Type options) =>
        options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true);

    /// <summary>The setting a property binds to: its section, read off the class's first bad-value case, and its key.</summary>
    static string SettingName(Type options, PropertyInfo property)
    {
        var first = BadValues.First(b => b.Options == options);
        var section = first.Name[..^(Key(options.GetProperty(first.Property)!).Length + 1)];
        return $"{section}:{Key(property)}";

        static string Key(PropertyInfo p) => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name;
    }

    /// <summary>A SQLite file that a refused start never creates; environment storage settings are overridden.</summary>
    static string[] StorageArgs() => ["--Storage:Provider=sqlite", $"--Storage:ConnectionString={TestServers.NewSqliteDatabase()}"];

    /// <summary>
    /// Keel's options classes: every class of the assembly that the composition registers options services for
    /// (Configure, Bind, Validate), and every class named <c>*Options</c>, registered or not.
    /// </summary>
    static HashSet<Type> OptionsClasses()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddKeel();
        var keel = typeof(KeelOptions).Assembly;
        Type[] optionsServices = [typeof(IConfigureOptions<>), typeof(IPostConfigureOptions<>), typeof(IValidateOptions<>), typeof(IOptionsChangeTokenSource<>)];
        var registered = builder.Services.Select(d => d.ServiceType)
            .Where(t => t.IsGenericType && optionsServices.Contains(t.GetGenericTypeDefinition()))
            .Select(t => t.GetGenericArguments()[0]);
        var named = keel.GetTypes().Where(t => t.IsClass && !t.IsAbstract && t.Name.EndsWith("Options", StringComparison.Ordinal));
        return [.. registered.Concat(named).Where(t => t.Assembly == keel)];
    }
}
