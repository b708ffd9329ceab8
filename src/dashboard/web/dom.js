// dom.js - building the page. Every string from the API goes in as a text
// node (h() never parses HTML), so a name like <img onerror=...> shows as
// the text it is.

export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
		else if (k === 'class') el.className = v;
		else if (k === 'value') el.value = v;
		else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'multiple') el[k] = !!v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === undefined || c === null || c === false) continue;
		if (Array.isArray(c)) append(el, c);
		else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

export function clear(el) {
	while (el.firstChild) el.firstChild.remove();
	return el;
}

export function button(label, onclick, attrs) {
	return h('button', { type: 'button', onclick, ...attrs }, label);
}

let uid = 0;
export const newId = (p) => `${p}-${++uid}`;

// A table: columns are [label, row => node or text]. An empty list says so.
export function table(columns, rows, empty = 'None yet.') {
	if (!rows.length) return h('p', { class: 'empty' }, empty);
	return h('table', {},
		h('thead', {}, h('tr', {}, columns.map(([label]) => h('th', { scope: 'col' }, label)))),
		h('tbody', {}, rows.map((r) => h('tr', {}, columns.map(([, f]) => h('td', {}, f(r)))))));
}

// A status line in plain words (an ARIA live region).
export function notice(el, text, kind = 'error') {
	clear(el);
	if (text) el.append(h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text));
}

// A usage bar: used of limit (limit < 0: unlimited).
export function bar(label, used, limit, unit = '') {
	const unlimited = limit < 0;
	const pct = unlimited || !limit ? 0 : Math.min(100, Math.round((used * 100) / limit));
	return h('div', { class: 'usage' },
		h('div', { class: 'usage-label' }, label, h('span', {}, `${used}${unit} of ${unlimited ? 'unlimited' : limit + unit}`)),
		h('div', { class: `usage-bar${pct >= 90 ? ' full' : ''}`, role: 'progressbar', 'aria-label': label,
			'aria-valuemin': 0, 'aria-valuemax': unlimited ? used : limit, 'aria-valuenow': used },
			fill(pct)));
}

// Widths set through the CSSOM: the CSP allows that, not style attributes.
function fill(pct) {
	const el = h('div', { class: 'fill' });
	el.style.width = `${pct}%`;
	return el;
}

export function fmtBytes(n) {
	if (n === null || n === undefined) return '';
	const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let i = 0;
	while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
	return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

// Download text as a file the browser saves (the private key, once).
export function download(name, text) {
	const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/octet-stream' })), download: name });
	document.body.append(a);
	a.click();
	setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}
