// admin.js - for the admin role only (the APIs refuse everyone else
// anyway): projects, users, role assignments, flavors, hypervisors,
// compute services, network agents and every project's instances.
import * as api from './api.js';
import { h } from './dom.js';
import { form, section, action, confirmThen, tabbed } from './ui.js';
import { addresses, statusText } from './instances.js';

const id = (p) => api.get('identity', p);
const options = (list) => list.map((x) => [x.id, x.name]);

function projects() {
	const list = section({
		title: 'Projects',
		load: async () => (await id('/projects')).projects.map((p) => ({ id: p.id, name: p.name, domain: p.domain_id, enabled: p.enabled, description: p.description })),
		columns: [['Name', (p) => p.name], ['Domain', (p) => p.domain], ['Enabled', (p) => (p.enabled ? 'yes' : 'no')], ['Description', (p) => p.description]],
		actions: (p, act) => [action('Delete', p.id, confirmThen(`Delete project ${p.name}?`, () => act('Delete', () => api.del('identity', `/projects/${p.id}`))), { class: 'danger' })],
	});
	return [list, form({
		title: 'Create a project',
		fields: [{ name: 'name', label: 'Name', required: true }, { name: 'description', label: 'Description' }],
		submit: async (v) => { await api.post('identity', '/projects', { project: { name: v.name, description: v.description } }); },
	})];
}

function users() {
	const list = section({
		title: 'Users',
		load: async () => (await id('/users')).users.map((u) => ({ id: u.id, name: u.name, domain: u.domain_id, enabled: u.enabled })),
		columns: [['Name', (u) => u.name], ['Domain', (u) => u.domain], ['Enabled', (u) => (u.enabled ? 'yes' : 'no')]],
		actions: (u, act) => [action('Delete', u.id, confirmThen(`Delete user ${u.name}?`, () => act('Delete', () => api.del('identity', `/users/${u.id}`))), { class: 'danger' })],
	});
	return [list, form({
		title: 'Create a user',
		fields: [{ name: 'name', label: 'Name', required: true }, { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password' },
			{ name: 'project', label: 'Default project', type: 'select', none: 'None', options: async () => options((await id('/projects')).projects) }],
		submit: async (v) => {
			const user = { name: v.name, password: v.password };
			if (v.project) user.default_project_id = v.project;
			await api.post('identity', '/users', { user });
		},
	})];
}

function assignments() {
	const list = section({
		title: 'Role assignments',
		load: async () => (await id('/role_assignments?include_names=true')).role_assignments.map((a) => ({
			user: a.user ? a.user.name : a.group ? `group ${a.group.name}` : '', userId: a.user && a.user.id, role: a.role.name, roleId: a.role.id,
			scope: a.scope.project ? `project ${a.scope.project.name}` : a.scope.domain ? `domain ${a.scope.domain.name}` : 'system',
			projectId: a.scope.project && a.scope.project.id })),
		columns: [['User', (a) => a.user], ['Role', (a) => a.role], ['On', (a) => a.scope]],
		actions: (a, act) => (a.userId && a.projectId ? [action('Remove', `${a.userId}${a.projectId}${a.roleId}`, () => act('Remove',
			() => api.del('identity', `/projects/${a.projectId}/users/${a.userId}/roles/${a.roleId}`)), { class: 'danger' })] : []),
	});
	return [list, form({
		title: 'Give a role on a project',
		label: 'Assign',
		fields: [
			{ name: 'user', label: 'User', type: 'select', required: true, options: async () => options((await id('/users')).users) },
			{ name: 'project', label: 'Project', type: 'select', required: true, options: async () => options((await id('/projects')).projects) },
			{ name: 'role', label: 'Role', type: 'select', required: true, options: async () => options((await id('/roles')).roles) },
		],
		submit: async (v) => { await api.put('identity', `/projects/${v.project}/users/${v.user}/roles/${v.role}`); },
	})];
}

function flavors() {
	const list = section({
		title: 'Flavors',
		load: async () => (await api.get('compute', '/flavors/detail?is_public=None')).flavors.map((f) => ({ id: f.id, name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk, public: f['os-flavor-access:is_public'] })),
		columns: [['Name', (f) => f.name], ['vCPUs', (f) => f.vcpus], ['RAM (MB)', (f) => f.ram], ['Disk (GB)', (f) => f.disk], ['Public', (f) => (f.public === false ? 'no' : 'yes')]],
		actions: (f, act) => [action('Delete', f.id, confirmThen(`Delete flavor ${f.name}?`, () => act('Delete', () => api.del('compute', `/flavors/${encodeURIComponent(f.id)}`))), { class: 'danger' })],
	});
	return [list, form({
		title: 'Create a flavor',
		fields: [{ name: 'name', label: 'Name', required: true }, { name: 'vcpus', label: 'vCPUs', type: 'number', required: true, min: 1 },
			{ name: 'ram', label: 'RAM (MB)', type: 'number', required: true, min: 1 }, { name: 'disk', label: 'Disk (GB)', type: 'number', required: true, min: 0 }],
		submit: async (v) => { await api.post('compute', '/flavors', { flavor: { name: v.name, vcpus: v.vcpus, ram: v.ram, disk: v.disk } }); },
	})];
}

const simple = (title, path, key, columns, type = 'compute', every = 5000) => () => [section({ title, every, columns, load: async () => (await api.get(type, path))[key] })];

const TABS = [
	['projects', 'Projects', projects],
	['users', 'Users', users],
	['assignments', 'Role assignments', assignments],
	['flavors', 'Flavors', flavors],
	['hypervisors', 'Hypervisors', simple('Hypervisors', '/os-hypervisors/detail', 'hypervisors', [
		['Host', (x) => x.hypervisor_hostname], ['State', (x) => `${x.state}, ${x.status}`], ['vCPUs', (x) => `${x.vcpus_used} of ${x.vcpus}`],
		['RAM (MB)', (x) => `${x.memory_mb_used} of ${x.memory_mb}`], ['Disk (GB)', (x) => `${x.local_gb_used} of ${x.local_gb}`], ['Instances', (x) => x.running_vms]])],
	['services', 'Compute services', simple('Compute services', '/os-services', 'services', [
		['Binary', (x) => x.binary], ['Host', (x) => x.host], ['Zone', (x) => x.zone], ['Status', (x) => x.status], ['State', (x) => x.state], ['Updated', (x) => x.updated_at || '']])],
	['agents', 'Network agents', simple('Network agents', '/agents', 'agents', [
		['Type', (x) => x.agent_type], ['Host', (x) => x.host], ['Alive', (x) => (x.alive ? 'yes' : 'no')], ['Up', (x) => (x.admin_state_up ? 'yes' : 'no')]], 'network')],
	['all-instances', 'All instances', simple('All instances', '/servers/detail?all_tenants=1', 'servers', [
		['Name', (x) => x.name], ['Project', (x) => x.tenant_id], ['Status', (x) => statusText(x)], ['Addresses', (x) => addresses(x)], ['Host', (x) => x['OS-EXT-SRV-ATTR:host'] || '']], 'compute', 2000)],
];

export const render = (main) => tabbed(main, 'Administration', 'Administration', TABS);
