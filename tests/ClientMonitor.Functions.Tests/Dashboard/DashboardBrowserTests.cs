using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ClientMonitor.Functions.Tests.Hosting;
using ClientMonitor.Testing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace ClientMonitor.Functions.Tests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium (Debian's, driven by its chromedriver) against the local host as a real
/// process that ran the demo: sign in, see the demo run's events, open an event from an email's link, start a run and
/// watch it complete, a member who sees no admin buttons, and no console errors. Screenshots of every page at desktop
/// and phone width go to <c>artifacts/screenshots/</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xUnit disposes the browser and the host in DisposeAsync (IAsyncLifetime).")]
public sealed partial class DashboardBrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string _mail = Path.Combine(Path.GetTempPath(), "cm-dashboard-mail-" + Guid.NewGuid().ToString("N"));
    private Azurite _azurite = null!;
    private AppProcess _host = null!;
    private string _base = null!;
    private ChromeDriver _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium) && File.Exists(ChromeDriver), "Debian's chromium and chromium-driver are needed (scripts/test.sh installs them).");
        _azurite = await Azurite.StartPrivateAsync();
        var port = AppProcess.FreePort();
        _base = $"http://127.0.0.1:{port}";
        _host = LocalHostProcess.Start(_azurite, "dash" + Guid.NewGuid().ToString("N")[..8], port, new Dictionary<string, string>
        {
            ["ClientMonitor__Demo__RunOnStart"] = "true",
            ["Email__FileDirectory"] = _mail,
            ["Email__TrackingKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });

        // The demo run and its digest run finished, and their emails were written.
        using var api = new HttpClient { BaseAddress = new Uri(_base) };
        api.As("ana", "demo-business", "admin");
        await _host.WaitForAsync(async () => await DemoFinishedAsync(api), TimeSpan.FromMinutes(3));
        await _host.WaitForAsync(() => Task.FromResult(Directory.Exists(_mail) && Directory.EnumerateFiles(_mail, "*.html", SearchOption.AllDirectories).Any()), TimeSpan.FromMinutes(1));

        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.HideCommandPromptWindow = true;
        _browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        _browser?.Quit();
        _browser?.Dispose();
        _host?.Dispose();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        if (Directory.Exists(_mail))
        {
            Directory.Delete(_mail, recursive: true);
        }
    }

    [Fact]
    public void AnAdminAndAMember_UseTheDashboard_ThroughEveryPage_WithNoConsoleErrors()
    {
        // Sign in (development sign-in) and land on Now.
        _browser.Navigate().GoToUrl(_base + "/api/dashboard/");
        SignIn("ana");
        Assert.Contains("ana", Wait("signed-in-as").Text, StringComparison.Ordinal);
        WaitAny("run-");
        Shoot("now");

        // The demo run's events, on the clients page.
        Click("nav-clients");
        WaitAny("event-row-");
        Shoot("clients");
        var firstClient = WaitAnyId("client-row-");
        _browser.Navigate().GoToUrl($"{_base}/api/dashboard/#/clients/{firstClient}");
        Until(d => d.FindElements(By.CssSelector("[data-testid='chart-events-by-category'] svg")).Count > 0);
        Shoot("client");

        // Schedules with the admin's buttons; alerts and delivery.
        Click("nav-schedules");
        var schedule = WaitAnyId("schedule-row-");
        Assert.NotEmpty(_browser.FindElements(By.CssSelector($"[data-testid='schedule-trigger-{schedule}']")));
        Shoot("schedules");
        Click("nav-alerts");
        Wait("email-stats");
        Shoot("alerts");

        // An email's "View event" link (tracked: the click redirect) opens the event page.
        _browser.Navigate().GoToUrl(ViewEventLinkFromAnEmail());
        var title = Until(_ => Text("event-title") is { Length: > 0 } t && t != "Event" ? t : null); // "Event" until it loads
        Assert.False(string.IsNullOrWhiteSpace(title));
        Shoot("event");

        // A run started from the page is seen progressing to completion.
        Click("nav-now");
        var before = Until(_ => RunIds());
        Click("run-now");
        var started = Until(_ => RunIds().Except(before).FirstOrDefault());
        Until(_ => Text($"run-status-{started}").Contains("completed", StringComparison.OrdinalIgnoreCase), TimeSpan.FromMinutes(3));

        // The same pages at phone width.
        _browser.Manage().Window.Size = new System.Drawing.Size(390, 844);
        foreach (var (nav, page, marker) in new[] { ("nav-now", "now", "run-"), ("nav-clients", "clients", "event-row-"), ("nav-schedules", "schedules", "schedule-row-"), ("nav-alerts", "alerts", "email-stats") })
        {
            Click(nav);
            WaitAny(marker);
            Shoot(page + "-phone");
        }

        _browser.Manage().Window.Size = new System.Drawing.Size(1280, 900);

        // A member sees the same data and no admin buttons.
        Click("sign-out");
        SignIn("ben");
        Assert.Empty(_browser.FindElements(By.CssSelector("[data-testid='run-now']")));
        Click("nav-schedules");
        WaitAny("schedule-row-");
        Assert.Empty(_browser.FindElements(By.CssSelector("[data-testid^='schedule-activate-'], [data-testid^='schedule-deactivate-'], [data-testid^='schedule-trigger-']")));
        Shoot("schedules-member");

        var errors = _browser.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level == LogLevel.Severe).Select(e => e.Message).ToList();
        Assert.Empty(errors);
    }

    private void SignIn(string user)
    {
        Wait("sign-in-form");
        var field = Wait("dev-user");
        field.Clear();
        field.SendKeys(user);
        var business = Wait("dev-business");
        business.Clear();
        business.SendKeys("demo-business");
        Click("sign-in-submit");
        Until(_ => Text("signed-in-as").Contains(user, StringComparison.Ordinal));
    }

    private string ViewEventLinkFromAnEmail()
    {
        var links = Directory.EnumerateFiles(_mail, "*.html", SearchOption.AllDirectories)
            .SelectMany(f => HrefPattern().Matches(File.ReadAllText(f)).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)))
            .Where(href => href.StartsWith(_base + "/api/track/click/", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(links);

        // The first tracked link of an event email is its "View event" link; follow the redirect to check it leads to the dashboard.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        foreach (var link in links)
        {
            using var response = http.GetAsync(link).GetAwaiter().GetResult();
            if (response.Headers.Location?.ToString().Contains("/api/dashboard/#/events/", StringComparison.Ordinal) == true)
            {
                return link;
            }
        }

        Assert.Fail("No email has a View event link to the dashboard.");
        return null!;
    }

    private static async Task<bool> DemoFinishedAsync(HttpClient api)
    {
        try
        {
            var recent = await api.GetFromJsonAsync<JsonObject>("/api/v1/scheduler/jobs/recent?limit=5");
            var jobs = recent!["jobs"]!.AsArray();
            return jobs.Count(j => (string?)j!["status"] is "completed") >= 2;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private HashSet<string> RunIds() => _browser.FindElements(By.CssSelector("[data-testid^='run-status-']"))
        .Select(e => e.GetAttribute("data-testid")!["run-status-".Length..]).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Waits for <paramref name="condition"/>. The page re-renders rows as it polls, so an element found a moment ago
    /// may be replaced: such a read is retried, not failed.
    /// </summary>
    private T Until<T>(Func<IWebDriver, T?> condition, TimeSpan? timeout = null)
    {
        var wait = new WebDriverWait(_browser, timeout ?? Patience);
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        return wait.Until(condition)!;
    }

    private IWebElement Wait(string testId) => Until(d => d.FindElements(By.CssSelector($"[data-testid='{testId}']")).FirstOrDefault(e => e.Displayed));

    private IWebElement WaitAny(string testIdPrefix) => Until(d => d.FindElements(By.CssSelector($"[data-testid^='{testIdPrefix}']")).FirstOrDefault(e => e.Displayed));

    /// <summary>The id after <paramref name="testIdPrefix"/> of the first such element shown.</summary>
    private string WaitAnyId(string testIdPrefix) => Until(d => d.FindElements(By.CssSelector($"[data-testid^='{testIdPrefix}']"))
        .FirstOrDefault(e => e.Displayed)?.GetAttribute("data-testid")?[testIdPrefix.Length..]);

    private string Text(string testId) => _browser.FindElements(By.CssSelector($"[data-testid='{testId}']")).FirstOrDefault()?.Text ?? string.Empty;

    private void Click(string testId) => Until(d =>
    {
        Wait(testId).Click();
        return true;
    });

    private void Shoot(string name)
    {
        var folder = Path.Combine(AppProcess.RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        _browser.GetScreenshot().SaveAsFile(Path.Combine(folder, $"dashboard-{name}.png"));
    }

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex HrefPattern();
}
