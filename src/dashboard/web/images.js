// images.js - the images this project sees: upload from the browser (the
// bytes go straight to the image API, with a progress bar), visibility,
// delete.
import * as api from './api.js';
import { h, fmtBytes, notice } from './dom.js';
import { form, section, action, confirmThen } from './ui.js';

const PATCH = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };

export function render(main) {
	const me = api.session().project.id;
	const list = section({
		title: 'Images',
		every: 3000,
		load: async () => (await api.get('image', '/images')).images
			.map((i) => ({ id: i.id, name: i.name, status: i.status, visibility: i.visibility, size: i.size, format: i.disk_format, mine: i.owner === me })),
		columns: [['Name', (i) => i.name || i.id], ['Status', (i) => i.status], ['Visibility', (i) => i.visibility], ['Format', (i) => i.format || ''], ['Size', (i) => fmtBytes(i.size)]],
		actions: (i, act) => (!i.mine && !api.isAdmin() ? [] : [
			action(i.visibility === 'private' ? 'Make shared' : 'Make private', i.id, () => act('Visibility', () =>
				api.call('image', 'PATCH', `/images/${i.id}`, [{ op: 'replace', path: '/visibility', value: i.visibility === 'private' ? 'shared' : 'private' }], { headers: PATCH }))),
			api.isAdmin() && i.visibility !== 'public'
				? action('Make public', i.id, () => act('Visibility', () =>
					api.call('image', 'PATCH', `/images/${i.id}`, [{ op: 'replace', path: '/visibility', value: 'public' }], { headers: PATCH })))
				: null,
			action('Delete', i.id, confirmThen(`Delete image ${i.name}?`, () => act('Delete', () => api.del('image', `/images/${i.id}`))), { class: 'danger' }),
		]),
	});
	const progress = h('progress', { id: 'upload-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress' });
	const upload = form({
		title: 'Upload an image',
		label: 'Upload',
		fields: [
			{ name: 'file', label: 'File', type: 'file', required: true },
			{ name: 'name', label: 'Name', required: true },
			{ name: 'format', label: 'Disk format', type: 'select', required: true, options: [['qcow2', 'qcow2'], ['raw', 'raw'], ['iso', 'iso']] },
			{ name: 'visibility', label: 'Visibility', type: 'select', required: true, options: [['private', 'private'], ['shared', 'shared'], ['community', 'community']].concat(api.isAdmin() ? [['public', 'public']] : []) },
		],
		submit: async (v, msg) => {
			const img = await api.post('image', '/images', { name: v.name, disk_format: v.format, container_format: 'bare', visibility: v.visibility });
			progress.hidden = false;
			list.reload();
			try {
				await api.upload('image', `/images/${img.id}/file`, v.file, (f) => { progress.value = f; });
				notice(msg, `${v.name} is uploaded.`, 'info');
			} finally {
				progress.hidden = true;
				progress.value = 0;
				list.reload();
			}
		},
	});
	upload.insertBefore(progress, upload.lastChild);
	main.append(h('h1', {}, 'Images'), list.el, upload);
	return () => list.stop();
}
