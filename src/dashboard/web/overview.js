// overview.js - what the project uses of its quotas, and for admins what
// the hypervisors carry. Each block loads on its own.
import * as api from './api.js';
import { h, clear, bar, notice } from './dom.js';

function block(title, fill) {
	const body = h('div', { class: 'list', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'));
	const el = h('section', { 'aria-label': title }, h('h2', {}, title), body);
	fill().then((nodes) => { clear(body).append(...nodes); body.setAttribute('aria-busy', 'false'); })
		.catch((e) => { body.setAttribute('aria-busy', 'false'); notice(clear(body), `Could not load: ${e.message}`); });
	return el;
}

export function render(main) {
	const p = api.session().project;
	const compute = block('Compute', async () => {
		const q = (await api.get('compute', `/os-quota-sets/${p.id}/detail`)).quota_set;
		return [bar('Instances', q.instances.in_use, q.instances.limit), bar('vCPUs', q.cores.in_use, q.cores.limit),
			bar('RAM', q.ram.in_use, q.ram.limit, ' MB')];
	});
	const network = block('Network', async () => {
		const q = (await api.get('network', `/quotas/${p.id}/details`)).quota;
		const b = (label, k) => (q[k] ? bar(label, q[k].used, q[k].limit) : null);
		return [b('Floating IPs', 'floatingip'), b('Networks', 'network'), b('Ports', 'port'), b('Security groups', 'security_group'), b('Routers', 'router')].filter(Boolean);
	});
	const blocks = [compute, network];
	if (api.isAdmin())
		blocks.push(block('Hypervisors', async () => (await api.get('compute', '/os-hypervisors/detail')).hypervisors.map((hv) =>
			h('div', { class: 'hypervisor', 'data-host': hv.hypervisor_hostname }, h('h3', {}, `${hv.hypervisor_hostname} (${hv.state}, ${hv.status})`),
				bar('vCPUs', hv.vcpus_used, hv.vcpus), bar('RAM', hv.memory_mb_used, hv.memory_mb, ' MB'), bar('Disk', hv.local_gb_used, hv.local_gb, ' GB'),
				h('p', {}, `${hv.running_vms} running instance${hv.running_vms === 1 ? '' : 's'}`)))));
	main.append(h('h1', {}, `Overview of ${p.name}`), h('div', { class: 'grid' }, blocks));
}
