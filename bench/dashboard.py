#!/usr/bin/python3
"""bench/dashboard.py - run by bench/dashboard: loads pages in headless
Chromium and reads the browser's own figures (Navigation/Resource Timing,
the dashboard's performance marks), RUNS times each, and prints the median."""
import os
import statistics
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

URL = os.environ['DASH_URL']
RUNS = int(os.environ.get('RUNS', '5'))

# Resource Timing: every request the page made; transferSize is the bytes
# on the wire (compressed, headers included; 0 from the memory cache).
FIGURES = """
const mark = performance.getEntriesByName(arguments[0])[0];
const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource').filter((r) => !mark || r.startTime <= mark.startTime);
const api = res.filter((r) => !new URL(r.name).pathname.startsWith('/dashboard/'));
return { tti: mark ? mark.startTime : null, bytes: nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0),
         files: res.length - api.length + 1, api: api.length, apiNames: api.map((r) => new URL(r.name).pathname) };
"""


def browser():
    o = Options()
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1280,1000'):
        o.add_argument(a)
    return webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=o)


def wait_mark(d, name, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if d.execute_script('return performance.getEntriesByName(arguments[0]).length', name):
            return d.execute_script(FIGURES, name)
        time.sleep(0.02)
    raise TimeoutError(name)


def login(d):
    d.find_element(By.ID, 'login-user').send_keys('admin')
    d.find_element(By.ID, 'login-password').send_keys(os.environ['ADMIN_PASSWORD'])
    d.find_element(By.ID, 'login-submit').click()
    end = time.time() + 20
    while not d.find_elements(By.ID, 'logout'):
        if time.time() > end:
            raise TimeoutError('login')
        time.sleep(0.05)


def measure(page, cold):
    """One load of page ('login' or 'instances'), in a new browser (cold:
    empty cache) or after a first load in the same one (warm)."""
    d = browser()
    try:
        d.get(URL + '/dashboard/')
        wait_mark(d, 'basalt:login-ready')
        if page == 'instances':
            login(d)  # the session (sessionStorage) outlives a reload
            target, mark = URL + '/dashboard/#/instances', 'basalt:loaded:Instances'
        else:
            target, mark = URL + '/dashboard/', 'basalt:login-ready'
        if cold:
            d.execute_cdp_cmd('Network.clearBrowserCache', {})
        d.get('about:blank')
        d.get(target)
        return wait_mark(d, mark)
    finally:
        d.quit()


def row(label, figs):
    med = lambda k: statistics.median(f[k] for f in figs)
    print(f'{label:<34} {med("tti"):8.0f} ms {med("bytes") / 1024:8.1f} KB {int(med("files")):6d} {int(med("api")):6d}')
    return figs[0]['apiNames']


print(f'dashboard, headless Chromium on loopback, median of {RUNS} loads each')
print(f'{"page":<34} {"to interactive":>11} {"transferred":>11} {"files":>6} {"API calls":>9}')
for page in ('login', 'instances'):
    for cold in (True, False):
        names = row(f'{page} ({"cold: empty cache" if cold else "warm: ETag revalidation"})',
                    [measure(page, cold) for _ in range(RUNS)])
    print(f'    API calls of the {page} page: {", ".join(names) or "none"}')
print("""
'to interactive': from navigation start to the page's mark (login: the form
drawn and focused; instances: the list drawn from its first API answer).
Then the instances page reads GET /servers/detail once a second (one call).
Horizon, for scale (no like-for-like figures published): it polls rows in
transition every 2.5 s (HORIZON_CONFIG['ajax_poll_interval'] = 2500 ms,
horizon/conf/default.py) and draws its instances page server-side from at
least 8 API calls (issue 13's count) before the first byte reaches the browser.""")
