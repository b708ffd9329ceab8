#!/usr/bin/python3
"""tests/browser/dashboard.py - the dashboard in a real browser (headless
Chromium through chromedriver and Selenium, Debian's packages), as a new
user would use it. Run by tests/browser/dashboard.sh, which makes the users
and checks the result with the openstack CLI; this prints TAP lines.

Environment: DASH_URL (the controller's origin), DASH_USER/DASH_PASSWORD
(a member of DASH_PROJECT and DASH_PROJECT2), ADMIN_PASSWORD, EXT_NET (the
external network's name), IMAGE, FLAVOR, XSS_NAME (a server the wrapper
made with a name that is HTML), SHOTS (a directory for screenshots),
OTHER_NET (a network of another project the member must not see)."""
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

E = os.environ
URL = E['DASH_URL']
SHOTS = E['SHOTS']
N = 0
FAILED = 0


def tap(ok, name, why=''):
    global N, FAILED
    N += 1
    print(('ok - ' if ok else 'not ok - ') + name, flush=True)
    if not ok:
        FAILED += 1
        for line in str(why).splitlines()[:15]:
            print('#   ' + line, flush=True)


def check(name, fn):
    """Run fn; a falsy result or an exception is a failure, told why."""
    try:
        r = fn()
        tap(bool(r), name, '' if r else 'the condition did not hold')
    except Exception as e:  # noqa: BLE001 - every failure is reported
        tap(False, name, f'{type(e).__name__}: {e}')
        shot(f'fail-{N}')


def wait(fn, timeout=20, every=0.2):
    """The first truthy fn() within timeout seconds, or the last error."""
    end = time.time() + timeout
    err = None
    while time.time() < end:
        try:
            r = fn()
            if r:
                return r
        except (WebDriverException, IndexError) as e:
            err = e
        time.sleep(every)
    raise TimeoutError(f'not within {timeout}s' + (f': {getattr(err, "msg", err)}' if err else ''))


def start():
    o = Options()
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
              '--window-size=1280,1000', '--disable-extensions', '--no-first-run'):
        o.add_argument(a)
    o.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    return webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=o)


d = start()


def shot(name):
    try:
        d.save_screenshot(os.path.join(SHOTS, f'{name}.png'))
    except WebDriverException:
        pass


def el(css):
    return d.find_element(By.CSS_SELECTOR, css)


def els(css):
    return d.find_elements(By.CSS_SELECTOR, css)


def text():
    return d.find_element(By.TAG_NAME, 'body').text


def go(page):
    d.get(f'{URL}/dashboard/#/{page}')
    wait(lambda: el('#main'))


def login(user, password):
    d.get(URL + '/')
    wait(lambda: el('#login-user'))
    el('#login-user').send_keys(user)
    el('#login-password').send_keys(password)
    el('#login-submit').click()
    wait(lambda: els('#logout'))
    return True


def logout():
    token = d.execute_script("return JSON.parse(sessionStorage.getItem('basalt.session')).token")
    el('#logout').click()
    wait(lambda: els('#login-user'))
    return token


def token_valid(token):
    req = urllib.request.Request(URL + '/v3/auth/tokens', headers={'X-Auth-Token': token, 'X-Subject-Token': token})
    try:
        urllib.request.urlopen(req, timeout=10)
        return True
    except urllib.error.HTTPError:
        return False


def row(table_text, name):
    """The <tr> whose first cell is name, in the visible lists."""
    for tr in els('tbody tr'):
        tds = tr.find_elements(By.TAG_NAME, 'td')
        if tds and tds[0].text == name:
            return tr
    return None


def click_in_row(name, label):
    """Click the row's button; the lists redraw when their data change, so
    a row found stale is looked up again."""
    def attempt():
        tr = row(None, name)
        if not tr:
            return False
        for b in tr.find_elements(By.TAG_NAME, 'button'):
            if b.text == label:
                b.click()
                return True
        raise AssertionError(f'no {label} button in the row of {name}')
    return wait(attempt)


def accept_confirm():
    wait(lambda: d.switch_to.alert).accept()
    return True


def fill_form(title, values):
    """Fill the form labelled title: values maps a field's label to text,
    an option's visible text (select), or a list of labels (checks).
    Returns the form; every lookup is fresh (a form may be redrawn)."""
    form = lambda: d.find_element(By.CSS_SELECTOR, f'form[aria-label="{title}"]')
    wait(form)
    for label, v in values.items():
        if isinstance(v, list):
            def checks(label=label, v=v):
                fs = [f for f in form().find_elements(By.TAG_NAME, 'fieldset') if f.find_element(By.TAG_NAME, 'legend').text == label][0]
                boxes = fs.find_elements(By.CSS_SELECTOR, '.check')
                for c in boxes:
                    box = c.find_element(By.TAG_NAME, 'input')
                    if (c.text in v) != box.is_selected():
                        box.click()
                return boxes
            wait(checks)
            continue

        def field(label=label):
            lab = [x for x in form().find_elements(By.TAG_NAME, 'label') if x.text.rstrip(' *') == label][0]
            return form().find_element(By.ID, lab.get_attribute('for'))

        def put(v=v):
            f = field()
            if f.tag_name == 'select':
                if not any(o.text == v for o in f.find_elements(By.TAG_NAME, 'option')):
                    return False
                Select(f).select_by_visible_text(v)
            else:
                f.clear()
                f.send_keys(v)
            return True
        wait(put)
    return form()


def submit(form):
    """Submit; done when the form is gone (a panel that closes on success)
    or its button is enabled again, failed when it shows an error."""
    title = form.get_attribute('aria-label')
    form.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()

    def settled():
        found = d.find_elements(By.CSS_SELECTOR, f'form[aria-label="{title}"]')
        if not found:
            return 'gone'
        if not found[0].find_element(By.CSS_SELECTOR, 'button[type=submit]').is_enabled():
            return False
        errs = found[0].find_elements(By.CSS_SELECTOR, '.notice.error')
        return ('error', errs[0].text) if errs else 'done'
    r = wait(settled)
    if isinstance(r, tuple):
        raise AssertionError(r[1])
    return True


def tab(name):
    wait(lambda: el(f'#tab-{name}')).click()
    wait(lambda: el(f'#tab-{name}').get_attribute('aria-selected') == 'true')


def hv_vcpus_used():
    go('overview')
    blk = wait(lambda: [b for b in els('.hypervisor') if 'vCPUs' in b.text])
    return sum(int(b.find_element(By.CSS_SELECTOR, '[role=progressbar][aria-label=vCPUs]').get_attribute('aria-valuenow')) for b in blk)


EXT, IMAGE, FLAVOR = E['EXT_NET'], E['IMAGE'], E['FLAVOR']
VM, NET, ROUTER = 'dash-vm', 'dash-net', 'dash-router'

# --- the headers every page is sent with ---------------------------------
with urllib.request.urlopen(urllib.request.Request(URL + '/', headers={'Accept': 'text/html'})) as r:
    tap(r.url.endswith('/dashboard/'), 'a browser at / is sent to /dashboard/', r.url)
    csp = r.headers.get('Content-Security-Policy', '')
    tap("script-src 'self'" in csp and 'unsafe-inline' not in csp and "frame-ancestors 'none'" in csp
        and r.headers.get('X-Frame-Options') == 'DENY', 'strict CSP (no inline script) and X-Frame-Options DENY', csp)

# --- admin: the hypervisors' usage before ---------------------------------
check('the admin logs in', lambda: login('admin', E['ADMIN_PASSWORD']))
used_before = None
try:
    used_before = hv_vcpus_used()
    tap(True, f'admin overview shows the hypervisors ({used_before} vCPUs used)')
except Exception as e:  # noqa: BLE001
    tap(False, 'admin overview shows the hypervisors', e)
shot('overview-admin')
admin_token = logout()
tap(not token_valid(admin_token), 'log out revokes the token')

# --- the member ----------------------------------------------------------
check('the member logs in with user, password and domain', lambda: login(E['DASH_USER'], E['DASH_PASSWORD']))
check('the member has no Admin page', lambda: not els('#nav-admin'))
check('the token lives in sessionStorage, no cookie', lambda: d.execute_script('return document.cookie') == ''
      and d.execute_script("return !!sessionStorage.getItem('basalt.session')"))
check('overview: quota bars of the project', lambda: wait(lambda: len(els('[role=progressbar]')) >= 7) and 'Instances' in text())
shot('overview')


def switch_project():
    sel = Select(el('#project-select'))
    sel.select_by_visible_text(E['DASH_PROJECT2'])
    wait(lambda: f"Overview of {E['DASH_PROJECT2']}" in text() or go('overview') or False, 15)
    Select(el('#project-select')).select_by_visible_text(E['DASH_PROJECT'])
    return wait(lambda: (go('overview') or True) and f"Overview of {E['DASH_PROJECT']}" in text(), 15)


check('switch project without logging in again (and back)', switch_project)

# The network: created through the Network page's form, with a subnet.
go('network')
check('network page: create a network with a subnet', lambda: submit(fill_form('Create a network', {'Name': NET, 'Subnet CIDR': '10.77.0.0/24'})))
check('the new network is listed', lambda: wait(lambda: row(None, NET)))
check("another project's network is not shown", lambda: E['OTHER_NET'] not in text())
tab('routers')
check('routers: create a router with the external gateway',
      lambda: submit(fill_form('Create a router', {'Name': ROUTER, 'External network (gateway)': EXT})))
check('routers: add an interface on the new subnet',
      lambda: submit(fill_form('Add a router interface', {'Router': ROUTER, 'Subnet': f'{NET}-subnet (10.77.0.0/24)'})))
check('the router shows its gateway and interface', lambda: wait(lambda: row(None, ROUTER) and '10.77.0.1' in row(None, ROUTER).text and EXT in row(None, ROUTER).text))
shot('network-routers')

# --- the launch form: labels and keyboard --------------------------------
go('instances')
el('#launch-open').click()


def labelled():
    form = el('form[aria-label="Launch an instance"]')
    for f in form.find_elements(By.CSS_SELECTOR, 'input, select, textarea'):
        if f.get_attribute('type') == 'checkbox':
            lab = form.find_elements(By.CSS_SELECTOR, f'label[for="{f.get_attribute("id")}"]')
        else:
            lab = form.find_elements(By.CSS_SELECTOR, f'label[for="{f.get_attribute("id")}"]')
        if not lab or not lab[0].text.strip():
            raise AssertionError(f'no label for {f.get_attribute("name") or f.get_attribute("id")}')
    return True


check('launch form: every field has a label', labelled)


def keyboard():
    form = el('form[aria-label="Launch an instance"]')
    name = form.find_element(By.NAME, 'name')
    name.click()
    name.send_keys(Keys.TAB)
    a = d.switch_to.active_element
    if a.get_attribute('name') != 'image':
        raise AssertionError(f'Tab from Name went to {a.get_attribute("name")}')
    a.send_keys(Keys.TAB)
    if d.switch_to.active_element.get_attribute('name') != 'flavor':
        raise AssertionError('Tab from Image did not reach Flavor')
    # Enter on the empty form: refused before sending, the first bad field focused.
    name.send_keys(Keys.ENTER)
    wait(lambda: name.get_attribute('aria-invalid') == 'true')
    return d.switch_to.active_element == name and 'Name is required.' in form.text


check('launch form: Tab moves field to field; Enter on an empty form marks Name, focused', keyboard)
t_launch = time.time()
check('launch an instance on the new network',
      lambda: submit(fill_form('Launch an instance', {'Name': VM, 'Image': IMAGE, 'Flavor': next(
          o.text for o in el('form[aria-label="Launch an instance"] select[name=flavor]').find_elements(By.TAG_NAME, 'option')
          if o.text.startswith(FLAVOR + ' ')), 'Networks': [NET]})))
check('the instance becomes ACTIVE in the list by itself (no reload)',
      lambda: wait(lambda: row(None, VM) and 'ACTIVE' in row(None, VM).text, 180))
print(f'# launch -> ACTIVE shown: {time.time() - t_launch:.1f} s', flush=True)
check('the list shows its address on the new network', lambda: wait(lambda: '10.77.0.' in row(None, VM).text))


def html_name_as_text():
    go('instances')
    wait(lambda: row(None, E['XSS_NAME']), 30)
    try:
        d.switch_to.alert
        return False
    except NoAlertPresentException:
        pass
    return not els('tbody img') and d.execute_script('return window.__xss === undefined')


check('a server named <img src=x onerror=...> shows as that text; no script ran', html_name_as_text)
shot('instances')

check("the console log shows the guest's ready line, following as it grows",
      lambda: click_in_row(VM, 'Console log') and wait(lambda: 'basalt-guest: ready' in el('#console-log').text, 180))
shot('console')


def serial_console():
    click_in_row(VM, 'Serial console')
    box = wait(lambda: el('#serial-in'), 30)
    wait(lambda: '#' in el('#serial-out').text, 60)  # the shell's prompt: the socket is open
    box.send_keys('echo serial-$((6*7))' + Keys.ENTER)
    return wait(lambda: 'serial-42' in el('#serial-out').text, 60)


check("the serial console: a line typed reaches the guest's shell, its answer shows (websocket)", serial_console)

check('associate a new floating IP', lambda: click_in_row(VM, 'Floating IP')
      and submit(fill_form('Associate a floating IP', {'Address': f'A new address from {EXT}'})))
check('the list shows the floating address', lambda: wait(lambda: '(floating)' in row(None, VM).text, 30))

go('topology')


def topology():
    svg = wait(lambda: el('#topology'))
    want = [('router', ROUTER), ('network', NET), ('server', VM), ('external', EXT)]
    for kind, name in want:
        wait(lambda: svg.find_elements(By.CSS_SELECTOR, f'g[data-kind="{kind}"][data-name="{name}"]') or el('#topology').find_elements(
            By.CSS_SELECTOR, f'g[data-kind="{kind}"][data-name="{name}"]'))
    return '10.77.0.1' in el('#topology').text
  

check('topology: the external network, the router, the network and the instance, with addresses', topology)
shot('topology')


def other_pages():
    go('images')
    wait(lambda: IMAGE in text())
    shot('images')
    go('network')
    for t in ('floating-ips', 'security-groups', 'key-pairs'):
        tab(t)
        time.sleep(0.3)
        shot(f'network-{t}')
    return True


check('the images and network pages show', other_pages)
logout()

# --- admin: the usage changed --------------------------------------------
check('admin: the hypervisor usage grew with the instances', lambda: login('admin', E['ADMIN_PASSWORD'])
      and used_before is not None and wait(lambda: hv_vcpus_used() > used_before, 30))
def admin_pages():
    go('admin')
    for t in ('projects', 'users', 'assignments', 'flavors', 'hypervisors', 'services', 'agents', 'all-instances'):
        tab(t)
        time.sleep(0.4)
        shot(f'admin-{t}')
    return True


check('admin: every admin page shows', admin_pages)
check("admin: all instances lists the member's instance", lambda: wait(lambda: VM in text(), 10))
logout()

# --- the member deletes everything ---------------------------------------
check('the member logs in again', lambda: login(E['DASH_USER'], E['DASH_PASSWORD']))
go('network')
tab('floating-ips')


def release_all():
    while True:
        rows = els('tbody tr')
        if not rows:
            return True
        rows[0].find_element(By.XPATH, ".//button[text()='Release']").click()
        accept_confirm()
        wait(lambda: len(els('tbody tr')) < len(rows) or els('p.empty'))


check('release the floating IP', release_all)
go('instances')


def delete_servers():
    for name in (VM, E['XSS_NAME']):
        click_in_row(name, 'Delete')
        accept_confirm()
    return wait(lambda: not row(None, VM) and not row(None, E['XSS_NAME']), 60)


check('delete the instances: they leave the list', delete_servers)
go('network')
tab('routers')


def delete_router():
    click_in_row(ROUTER, 'Remove 10.77.0.1')
    wait(lambda: '10.77.0.1' not in row(None, ROUTER).text)
    click_in_row(ROUTER, 'Clear gateway')
    wait(lambda: 'none' in row(None, ROUTER).text)
    click_in_row(ROUTER, 'Delete')
    accept_confirm()
    return wait(lambda: not row(None, ROUTER))


check('remove the interface, clear the gateway, delete the router', delete_router)
tab('networks')


def delete_network():
    click_in_row(NET, 'Delete')
    accept_confirm()
    return wait(lambda: not row(None, NET), 30)


check('delete the network', delete_network)
check('log out', lambda: logout() or True)

errors = [m for m in d.get_log('browser') if m['level'] == 'SEVERE' and '/favicon' not in m['message']
          and ' 40' not in m['message']]  # refused calls the tests make on purpose are 4xx
tap(not errors, 'no script errors in the browser console', '\n'.join(m['message'] for m in errors))
d.quit()
print(f'1..{N}')
sys.exit(1 if FAILED else 0)
