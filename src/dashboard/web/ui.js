// ui.js - the two shapes every page is made of: a form checked before it
// is sent, and a section that loads its own list (so no page waits on its
// slowest call) with actions whose errors show in plain words.
import { h, clear, notice, table, button, newId } from './dom.js';

// fields: { name, label, type: text|password|number|select|checks|textarea|file,
//   required, pattern, title (what the pattern means), options: [[value, label]]
//   or an async function giving them, value, hint }
export function form({ title, fields, submit, label = 'Create', onDone }) {
	const msg = h('div', { class: 'msg' });
	const inputs = {};
	const rows = fields.map((f) => {
		const id = newId('f');
		const hint = f.hint ? h('small', { id: `${id}-hint` }, f.hint) : null;
		const err = h('small', { class: 'field-error', id: `${id}-err`, 'aria-live': 'polite' });
		const described = [hint && `${id}-hint`, `${id}-err`].filter(Boolean).join(' ');
		let input;
		if (f.type === 'select') {
			input = h('select', { id, name: f.name, required: f.required, 'aria-describedby': described });
			fill(input, f);
		} else if (f.type === 'checks') {
			input = h('fieldset', { id, 'aria-describedby': described }, h('legend', {}, f.label));
			fill(input, f);
		} else if (f.type === 'textarea') {
			input = h('textarea', { id, name: f.name, rows: 4, 'aria-describedby': described }, f.value || '');
		} else {
			input = h('input', { id, name: f.name, type: f.type || 'text', required: f.required, pattern: f.pattern,
				title: f.title, value: f.value, min: f.min, 'aria-describedby': described, autocomplete: f.autocomplete || 'off' });
		}
		inputs[f.name] = { f, input, err };
		if (f.type === 'checks') return h('div', { class: 'field' }, input, hint, err);
		return h('div', { class: 'field' }, h('label', { for: id }, f.label, f.required ? ' *' : ''), input, hint, err);
	});
	const el = h('form', { class: 'panel', novalidate: true, 'aria-label': title },
		title && h('h3', {}, title), rows, h('div', { class: 'actions' }, h('button', { type: 'submit' }, label)), msg);
	// Offer again what the options are now (after a change on the page).
	el.refresh = () => {
		for (const { f, input } of Object.values(inputs)) {
			if (f.type !== 'select' && f.type !== 'checks') continue;
			const keep = read(f, input);
			if (f.type === 'checks') [...input.children].forEach((c) => c.tagName !== 'LEGEND' && c.remove());
			else clear(input);
			fill(input, { ...f, value: keep });
		}
	};
	el.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const values = {};
		let bad = null;
		for (const [name, { f, input, err }] of Object.entries(inputs)) {
			clear(err);
			input.removeAttribute('aria-invalid');
			const v = read(f, input);
			const why = check(f, input, v);
			if (why) {
				err.append(why);
				input.setAttribute('aria-invalid', 'true');
				bad = bad || input;
			}
			values[name] = v;
		}
		if (bad) {
			notice(msg, 'Please correct the marked fields.');
			bad.focus();
			return;
		}
		const btn = el.querySelector('button[type=submit]');
		btn.disabled = true;
		notice(msg, '');
		try {
			await submit(values, msg);
			el.reset();
			if (onDone) onDone();
			// Other forms of the page may offer what was just made.
			el.dispatchEvent(new CustomEvent('changed', { bubbles: true }));
		} catch (e) {
			notice(msg, e.message);
		} finally {
			btn.disabled = false;
		}
	});
	return el;
}

async function fill(input, f) {
	const opts = typeof f.options === 'function' ? await f.options().catch(() => []) : f.options || [];
	if (f.type === 'checks') {
		for (const [v, l, on] of opts) {
			const id = newId('c');
			input.append(h('div', { class: 'check' }, h('input', { type: 'checkbox', id, value: v, checked: on }), h('label', { for: id }, l)));
		}
		if (!opts.length) input.append(h('p', { class: 'empty' }, f.empty || 'None available.'));
		return;
	}
	if (!f.required) input.append(h('option', { value: '' }, f.none || '—'));
	for (const [v, l] of opts) input.append(h('option', { value: v, selected: v === f.value }, l));
}

// When a form on the page made something, the page's other forms offer it
// and its lists show it.
export function refreshOnChange(container, parts) {
	container.addEventListener('changed', () => {
		for (const p of parts()) {
			if (p.refresh) p.refresh();
			else if (p.reload) p.reload();
		}
	});
}

function read(f, input) {
	if (f.type === 'checks') return [...input.querySelectorAll('input:checked')].map((c) => c.value);
	if (f.type === 'file') return input.files[0] || null;
	if (f.type === 'number') return input.value === '' ? null : Number(input.value);
	return input.value.trim();
}

function check(f, input, v) {
	if (f.required && (v === '' || v === null || (Array.isArray(v) && !v.length)))
		return f.type === 'checks' ? `Choose at least one of ${f.label.toLowerCase()}.` : `${f.label} is required.`;
	if (f.pattern && v && !new RegExp(`^(?:${f.pattern})$`).test(v)) return f.title || `${f.label} is not valid.`;
	if (f.type === 'number' && v !== null && (Number.isNaN(v) || (f.min !== undefined && v < f.min)))
		return `${f.label} must be a number${f.min !== undefined ? ` of at least ${f.min}` : ''}.`;
	if (f.validate) return f.validate(v);
	return null;
}

// A titled list that loads itself: load() gives the rows; columns as for
// table(); actions(row) gives buttons; every = poll interval in ms (0: no).
// Returns { el, reload, stop }.
export function section({ title, load, columns, actions, every = 0, empty, tools }) {
	const msg = h('div', { class: 'msg' });
	const body = h('div', { class: 'list', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'));
	const el = h('section', { 'aria-label': title }, h('div', { class: 'section-head' }, h('h2', {}, title), tools), msg, body);
	let timer = null;
	let stopped = false;
	let last = '';
	const cols = actions ? [...columns, ['Actions', (r) => h('div', { class: 'row-actions' }, actions(r, act))]] : columns;
	async function reload(force) {
		try {
			const rows = await load();
			const sig = JSON.stringify(rows);
			if (force || sig !== last || body.getAttribute('aria-busy') === 'true') {
				// Redraw only when the data changed, so a poll keeps focus.
				last = sig;
				const focused = document.activeElement && document.activeElement.dataset.key;
				clear(body).append(table(cols, rows, empty));
				if (body.getAttribute('aria-busy') === 'true') performance.mark(`basalt:loaded:${title}`);
				body.setAttribute('aria-busy', 'false');
				if (focused) body.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
			}
			if (msg.textContent.startsWith('Could not load')) notice(msg, '');
		} catch (e) {
			body.setAttribute('aria-busy', 'false');
			if (body.querySelector('.loading')) clear(body);
			notice(msg, `Could not load ${title.toLowerCase()}: ${e.message}`);
		}
		if (every && !stopped) timer = setTimeout(reload, every);
	}
	// Run an action; its error stays on screen in the service's words.
	async function act(what, fn) {
		notice(msg, '');
		try {
			await fn();
			clearTimeout(timer);
			await reload(true);
		} catch (e) {
			notice(msg, `${what} failed: ${e.message}`);
		}
	}
	reload();
	return { el, reload: () => { clearTimeout(timer); return reload(true); }, stop: () => { stopped = true; clearTimeout(timer); }, act };
}

// A row action button with a stable key, so a redraw can keep its focus.
export function action(label, key, onclick, attrs = {}) {
	return button(label, onclick, { 'data-key': `${label}:${key}`, ...attrs });
}

export const confirmThen = (text, fn) => () => { if (window.confirm(text)) fn(); };

// Tabs of lists: tabs are [id, label, make], make() gives sections and
// forms; the shown tab is kept in the address (#/page/tab).
export function tabbed(main, title, label, tabs) {
	const page = location.hash.split('/')[1];
	const panel = h('div', { id: 'tab-panel', role: 'tabpanel' });
	const bar = h('div', { class: 'tabs', role: 'tablist', 'aria-label': label });
	let parts = [];
	function show(id) {
		parts.forEach((p) => p.stop && p.stop());
		const [tab, , make] = tabs.find((t) => t[0] === id) || tabs[0];
		parts = make();
		clear(panel).append(...parts.map((p) => p.el || p));
		for (const b of bar.children) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
		history.replaceState(null, '', `#/${page}/${tab}`);
	}
	for (const [id, text] of tabs) bar.append(button(text, () => show(id), { role: 'tab', id: `tab-${id}`, 'data-tab': id }));
	main.append(h('h1', {}, title), bar, panel);
	refreshOnChange(panel, () => parts);
	show(location.hash.split('/')[2]);
	return () => parts.forEach((p) => p.stop && p.stop());
}
