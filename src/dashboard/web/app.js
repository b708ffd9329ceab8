// app.js - the shell: log in, pick or switch the project, log out, and
// the pages (each a module loaded when first shown, so the login page
// loads only what it needs).
import * as api from './api.js';
import { h, clear, notice } from './dom.js';

const PAGES = [
	['overview', 'Overview'],
	['instances', 'Instances'],
	['images', 'Images'],
	['network', 'Network'],
	['topology', 'Topology'],
	['admin', 'Admin', true],
];

const root = document.getElementById('app');
let stopPage = null;

function loginView() {
	const msg = h('div', { class: 'msg' });
	const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true });
	const pass = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
	const domain = h('input', { id: 'login-domain', name: 'domain', value: 'Default', required: true });
	const btn = h('button', { type: 'submit', id: 'login-submit' }, 'Log in');
	const form = h('form', { class: 'panel login', 'aria-label': 'Log in' },
		h('h1', {}, 'Basalt'),
		h('div', { class: 'field' }, h('label', { for: 'login-user' }, 'User name'), user),
		h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), pass),
		h('div', { class: 'field' }, h('label', { for: 'login-domain' }, 'Domain'), domain),
		btn, msg);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (!user.value || !pass.value || !domain.value) return notice(msg, 'User name, password and domain are all required.');
		btn.disabled = true;
		notice(msg, '');
		try {
			await api.login(user.value.trim(), pass.value, domain.value.trim());
			location.hash = '#/overview';
			route();
		} catch (e) {
			notice(msg, e.status === 401 ? 'The user name, password or domain is wrong.' : e.message);
		} finally {
			btn.disabled = false;
		}
	});
	clear(root).append(h('main', {}, form));
	user.focus();
	performance.mark('basalt:login-ready'); // bench/dashboard reads the marks
}

function shell(page) {
	const s = api.session();
	const select = h('select', { id: 'project-select', 'aria-label': 'Project' },
		s.projects.map((p) => h('option', { value: p.id, selected: s.project && p.id === s.project.id }, p.name)));
	select.addEventListener('change', async () => {
		try {
			await api.switchProject(select.value);
			route();
		} catch (e) {
			window.alert(`Switching project failed: ${e.message}`);
		}
	});
	const logout = h('button', { type: 'button', id: 'logout' }, 'Log out');
	logout.addEventListener('click', async () => {
		await api.logout();
		location.hash = '#/login';
		route();
	});
	const main = h('main', { id: 'main' });
	clear(root).append(
		h('header', {}, h('span', { class: 'brand' }, 'Basalt'),
			h('label', { for: 'project-select' }, 'Project'), select,
			h('span', { id: 'whoami' }, s.user.name), logout),
		h('nav', { 'aria-label': 'Pages' },
			PAGES.filter(([, , admin]) => !admin || api.isAdmin()).map(([id, label]) =>
				h('a', { href: `#/${id}`, id: `nav-${id}`, 'aria-current': id === page ? 'page' : undefined }, label))),
		main);
	return main;
}

async function route() {
	if (stopPage) stopPage();
	stopPage = null;
	const s = api.session();
	const page = location.hash.replace(/^#\//, '').split('/')[0];
	if (!s || !s.token) return loginView();
	const known = PAGES.find(([id, , admin]) => id === page && (!admin || api.isAdmin()));
	if (!known) {
		location.hash = '#/overview';
		return;
	}
	const main = shell(page);
	document.title = `${known[1]} · ${s.project.name} · Basalt`;
	try {
		const mod = await import(`./${page}.js`);
		stopPage = mod.render(main) || null;
	} catch (e) {
		notice(main, `This page could not be shown: ${e.message}`);
	}
}

window.addEventListener('hashchange', route);
route();
