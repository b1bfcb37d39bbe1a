// PeerVault dashboard: one page, five views, drawn from /api and refreshed live from /api/events.
"use strict";

const view = document.getElementById("view");
const state = { versions: { resources: -1, console: -1, telemetry: -1 }, route: null, console: { resource: null, last: 0 }, selectedSpan: null };

const esc = (value) => String(value ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const time = (iso) => iso ? new Date(iso).toLocaleTimeString() : "";
const ms = (value) => value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 2 : 0)} ms`;
// FNV-1a, then the golden angle: names that differ in one character (node1, node2) get far-apart hues.
const colour = (name) => { let h = 2166136261; for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0; return `hsl(${Math.round((h % 97) * 137.508) % 360} 60% 42%)`; };
const chip = (service) => `<span class="chip" style="background:${colour(service)}">${esc(service)}</span>`;

async function api(path, options) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) { location.href = "/login"; throw new Error("not logged in"); }
  if (!response.ok && response.status !== 409) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

// ---- routing -------------------------------------------------------------------------------
function parseRoute() {
  const [page = "resources", ...rest] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return { page: page || "resources", args: rest };
}

async function render() {
  state.route = parseRoute();
  document.querySelectorAll("nav a").forEach(a => a.classList.toggle("active", a.dataset.page === state.route.page));
  const pages = { resources: renderResources, console: renderConsole, logs: renderLogs, traces: renderTraces, metrics: renderMetrics };
  try {
    await (pages[state.route.page] ?? renderResources)(state.route.args, true);
  } catch (error) {
    view.innerHTML = `<div class="panel empty">${esc(error.message)}</div>`;
  }
}

window.addEventListener("hashchange", render);

// ---- live updates --------------------------------------------------------------------------
function connectEvents() {
  const live = document.getElementById("live");
  const events = new EventSource("/api/events");
  events.onopen = () => live.classList.add("on");
  events.onerror = () => live.classList.remove("on");
  events.onmessage = async (message) => {
    const next = JSON.parse(message.data);
    const previous = state.versions;
    state.versions = next;
    if (previous.resources < 0) return;
    const page = state.route?.page;
    if (page === "resources" && next.resources !== previous.resources) await renderResources(state.route.args, false);
    if (page === "console" && next.console !== previous.console) await appendConsole();
    if (["logs", "traces", "metrics"].includes(page) && next.telemetry !== previous.telemetry) await refreshTelemetryView();
  };
}

async function refreshTelemetryView() {
  const { page, args } = state.route;
  if (page === "logs") await renderLogs(args, false);
  if (page === "traces") await renderTraces(args, false);
  if (page === "metrics") await renderMetrics(args, false);
}

// ---- resources -----------------------------------------------------------------------------
const openEnvironments = new Set();

async function renderResources() {
  const resources = await api("/api/resources");
  const rows = resources.map(r => {
    const health = r.hasHealthChecks ? (r.healthStatus ?? "Unhealthy") : "";
    const running = ["Running", "Starting", "Waiting"].includes(r.state);
    const urls = r.urls.map(u => u.url.startsWith("http") ? `<a href="${esc(u.url)}" target="_blank" rel="noopener">${esc(u.url)}</a>` : `<span class="mono">${esc(u.url)}</span>`).join("<br>");
    const environment = openEnvironments.has(r.name) ? `<tr class="env" data-testid="env-${esc(r.name)}"><td colspan="7"><table>${r.environment.map(e =>
      `<tr><td class="mono">${esc(e.name)}</td><td class="mono">${esc(e.value)}${e.isSecret ? ' <span class="muted">(secret)</span>' : ""}</td></tr>`).join("")}</table></td></tr>` : "";
    return `<tr data-testid="resource-row-${esc(r.name)}">
      <td><strong>${esc(r.name)}</strong><div class="muted">${esc(r.resourceType)}${r.processId ? ` · pid ${r.processId}` : ""}</div></td>
      <td><span class="badge ${esc(r.state)}" data-testid="state-${esc(r.name)}">${esc(r.state)}</span>${r.exitCode != null ? ` <span class="muted">exit ${r.exitCode}</span>` : ""}${r.message ? `<div class="muted">${esc(r.message)}</div>` : ""}</td>
      <td>${health ? `<span class="badge ${esc(health)}" data-testid="health-${esc(r.name)}">${esc(health)}</span>` : ""}</td>
      <td class="hide-narrow">${time(r.startedAt)}</td>
      <td>${urls}</td>
      <td class="actions">
        <button data-command="start" data-resource="${esc(r.name)}" data-testid="start-${esc(r.name)}" ${running ? "disabled" : ""}>Start</button>
        <button data-command="stop" data-resource="${esc(r.name)}" data-testid="stop-${esc(r.name)}" ${running ? "" : "disabled"}>Stop</button>
        <button data-command="restart" data-resource="${esc(r.name)}" data-testid="restart-${esc(r.name)}">Restart</button>
      </td>
      <td><button data-env="${esc(r.name)}">${openEnvironments.has(r.name) ? "Hide" : "Environment"}</button>
          <a href="#/console/${encodeURIComponent(r.name)}">Logs</a></td>
    </tr>${environment}`;
  }).join("");
  view.innerHTML = `<h1>Resources</h1><div class="panel scroll"><table data-testid="resources">
    <thead><tr><th>Name</th><th>State</th><th>Health</th><th class="hide-narrow">Started</th><th>Endpoints</th><th>Actions</th><th></th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
  view.querySelectorAll("button[data-command]").forEach(button => button.addEventListener("click", async () => {
    button.disabled = true;
    const result = await api(`/api/resources/${encodeURIComponent(button.dataset.resource)}/commands/${button.dataset.command}`, { method: "POST" });
    if (!result.success) alert(result.errorMessage);
  }));
  view.querySelectorAll("button[data-env]").forEach(button => button.addEventListener("click", () => {
    const name = button.dataset.env;
    openEnvironments.has(name) ? openEnvironments.delete(name) : openEnvironments.add(name);
    renderResources();
  }));
}

// ---- console logs --------------------------------------------------------------------------
async function renderConsole(args) {
  const resources = await api("/api/resources");
  const name = args[0] ?? resources[0]?.name;
  state.console = { resource: name, last: 0 };
  view.innerHTML = `<h1>Console logs</h1>
    <div class="toolbar">
      <label for="console-resource">Resource</label>
      <select id="console-resource" data-testid="console-resource">${resources.map(r => `<option ${r.name === name ? "selected" : ""}>${esc(r.name)}</option>`).join("")}</select>
      <label for="console-filter">Filter</label><input id="console-filter" data-testid="console-filter" placeholder="text to match">
      <label><input type="checkbox" id="console-follow" checked> follow</label>
    </div>
    <pre class="console mono" id="console-lines" data-testid="console-lines"></pre>`;
  document.getElementById("console-resource").addEventListener("change", e => location.hash = `#/console/${encodeURIComponent(e.target.value)}`);
  document.getElementById("console-filter").addEventListener("input", applyConsoleFilter);
  await appendConsole();
}

async function appendConsole() {
  const { resource, last } = state.console;
  if (!resource) return;
  const { lines } = await api(`/api/resources/${encodeURIComponent(resource)}/console?after=${last}`);
  const target = document.getElementById("console-lines");
  if (!target || lines.length === 0) return;
  const html = lines.map(l => `<div class="${l.isErrorMessage ? "err" : ""}"><span class="ln">${new Date(l.timestamp).toLocaleTimeString()} </span>${esc(l.text)}</div>`).join("");
  target.insertAdjacentHTML("beforeend", html);
  state.console.last = lines[lines.length - 1].lineNumber;
  applyConsoleFilter();
  if (document.getElementById("console-follow")?.checked) target.scrollTop = target.scrollHeight;
}

function applyConsoleFilter() {
  const filter = (document.getElementById("console-filter")?.value ?? "").toLowerCase();
  document.querySelectorAll("#console-lines > div").forEach(line => line.style.display = !filter || line.textContent.toLowerCase().includes(filter) ? "" : "none");
}

// ---- structured logs -----------------------------------------------------------------------
const logFilter = { service: "", severity: "", q: "" };

async function renderLogs(args, fresh) {
  const services = await api("/api/services");
  const query = new URLSearchParams(Object.entries(logFilter).filter(([, v]) => v));
  const logs = await api(`/api/logs?${query}`);
  const rows = logs.map(l => `<tr data-testid="log-row">
    <td class="mono hide-narrow">${time(l.timestamp)}</td>
    <td><span class="badge ${esc(l.level)}">${esc(l.level)}</span></td>
    <td>${chip(l.service)}</td>
    <td>${esc(l.message)}<div class="muted mono">${esc(l.category)}</div>
      ${Object.keys(l.attributes).length ? `<details><summary class="muted">attributes</summary><div class="mono">${Object.entries(l.attributes).map(([k, v]) => `${esc(k)} = ${esc(v)}`).join("<br>")}</div></details>` : ""}</td>
    <td>${l.traceId ? `<a href="#/traces/${l.traceId}" class="mono">trace</a>` : ""}</td></tr>`).join("");
  const table = `<table><thead><tr><th class="hide-narrow">Time</th><th>Level</th><th>Resource</th><th>Message</th><th>Trace</th></tr></thead><tbody>${rows}</tbody></table>`;
  if (!fresh && document.getElementById("logs-table")) { document.getElementById("logs-table").innerHTML = table; return; }
  view.innerHTML = `<h1>Structured logs</h1>
    <div class="toolbar">
      <label for="log-service">Resource</label><select id="log-service" data-testid="log-service"><option value="">(all)</option>${services.map(s => `<option ${s === logFilter.service ? "selected" : ""}>${esc(s)}</option>`).join("")}</select>
      <label for="log-level">Level</label><select id="log-level" data-testid="log-level">
        ${[["", "(all)"], ["5", "Debug+"], ["9", "Information+"], ["13", "Warning+"], ["17", "Error+"]].map(([v, t]) => `<option value="${v}" ${v === logFilter.severity ? "selected" : ""}>${t}</option>`).join("")}</select>
      <label for="log-text">Text</label><input id="log-text" data-testid="log-text" value="${esc(logFilter.q)}">
    </div>
    <div class="panel scroll" id="logs-table">${table}</div>`;
  document.getElementById("log-service").addEventListener("change", e => { logFilter.service = e.target.value; renderLogs([], false); });
  document.getElementById("log-level").addEventListener("change", e => { logFilter.severity = e.target.value; renderLogs([], false); });
  document.getElementById("log-text").addEventListener("input", e => { logFilter.q = e.target.value; renderLogs([], false); });
}

// ---- traces --------------------------------------------------------------------------------
const traceFilter = { service: "", q: "" };

async function renderTraces(args, fresh) {
  if (args[0]) return renderTrace(args[0], fresh);
  const services = await api("/api/services");
  const query = new URLSearchParams(Object.entries(traceFilter).filter(([, v]) => v));
  const traces = await api(`/api/traces?${query}`);
  const rows = traces.map(t => `<tr class="clickable" data-testid="trace-row" data-trace="${t.traceId}">
    <td class="mono hide-narrow">${time(t.start)}</td>
    <td><a href="#/traces/${t.traceId}">${esc(t.rootService)}: ${esc(t.rootName)}</a></td>
    <td>${t.services.map(chip).join("")}</td>
    <td>${t.spanCount}</td><td>${ms(t.durationMs)}</td>
    <td>${t.errorCount ? `<span class="badge Error">${t.errorCount}</span>` : ""}</td></tr>`).join("");
  const table = `<table><thead><tr><th class="hide-narrow">Time</th><th>Name</th><th>Services</th><th>Spans</th><th>Duration</th><th>Errors</th></tr></thead><tbody>${rows}</tbody></table>`;
  if (!fresh && document.getElementById("traces-table")) { document.getElementById("traces-table").innerHTML = table; bindTraceRows(); return; }
  view.innerHTML = `<h1>Traces</h1>
    <div class="toolbar">
      <label for="trace-service">Service</label><select id="trace-service" data-testid="trace-service"><option value="">(all)</option>${services.map(s => `<option ${s === traceFilter.service ? "selected" : ""}>${esc(s)}</option>`).join("")}</select>
      <label for="trace-text">Text</label><input id="trace-text" data-testid="trace-text" value="${esc(traceFilter.q)}" placeholder="name, attribute or trace id">
    </div>
    <div class="panel scroll" id="traces-table">${table}</div>`;
  document.getElementById("trace-service").addEventListener("change", e => { traceFilter.service = e.target.value; renderTraces([], false); });
  document.getElementById("trace-text").addEventListener("input", e => { traceFilter.q = e.target.value; renderTraces([], false); });
  bindTraceRows();
}

function bindTraceRows() {
  view.querySelectorAll("tr[data-trace]").forEach(row => row.addEventListener("click", () => location.hash = `#/traces/${row.dataset.trace}`));
}

async function renderTrace(traceId, fresh) {
  const { spans } = await api(`/api/traces/${traceId}`);
  const ids = new Set(spans.map(s => s.spanId));
  const children = new Map();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : "";
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(span);
  }
  const ordered = [];
  const walk = (parent, depth) => (children.get(parent) ?? []).sort((a, b) => a.start.localeCompare(b.start)).forEach(s => { ordered.push([s, depth]); walk(s.spanId, depth + 1); });
  walk("", 0);
  const t0 = Math.min(...spans.map(s => Date.parse(s.start)));
  const total = Math.max(1, Math.max(...spans.map(s => Date.parse(s.end))) - t0);
  const services = [...new Set(spans.map(s => s.service))];
  const rows = ordered.map(([s, depth]) => {
    const left = (Date.parse(s.start) - t0) / total * 100;
    const width = Math.max(0.4, s.durationMs / total * 100);
    return `<div class="row ${state.selectedSpan === s.spanId ? "selected" : ""}" data-span="${s.spanId}" data-testid="span-row" data-service="${esc(s.service)}">
      <div class="label" style="padding-left:${8 + depth * 14}px" title="${esc(s.service)}: ${esc(s.name)}">${chip(s.service)} ${esc(s.name)} <span class="muted">${esc(s.kind)}</span></div>
      <div class="track"><div class="bar ${s.status === "Error" ? "error" : ""}" style="left:${left}%;width:${width}%;background:${colour(s.service)}"></div>
        <span class="dur" style="${left + width > 85 ? `right:${100 - left}%` : `left:${left + width}%`}">&nbsp;${ms(s.durationMs)}&nbsp;</span></div></div>`;
  }).join("");
  const selected = spans.find(s => s.spanId === state.selectedSpan);
  const details = selected ? `<div class="panel details" data-testid="span-details"><h2>${esc(selected.name)}</h2><dl>
      <dt>service</dt><dd>${esc(selected.service)}</dd><dt>kind</dt><dd>${esc(selected.kind)}</dd><dt>span id</dt><dd class="mono">${selected.spanId}</dd>
      <dt>parent</dt><dd class="mono">${selected.parentSpanId ?? ""}</dd><dt>status</dt><dd>${esc(selected.status)} ${esc(selected.statusMessage ?? "")}</dd>
      <dt>duration</dt><dd>${ms(selected.durationMs)}</dd>
      ${Object.entries(selected.attributes).map(([k, v]) => `<dt class="mono">${esc(k)}</dt><dd class="mono">${esc(v)}</dd>`).join("")}</dl></div>` : `<p class="muted">Select a span to see its attributes.</p>`;
  view.innerHTML = `<h1>Trace <span class="mono">${traceId}</span></h1>
    <p><a href="#/traces">← all traces</a> · ${spans.length} spans · ${ms(total)} · ${services.map(chip).join("")}</p>
    <div class="panel waterfall" data-testid="waterfall">${rows}</div>${details}`;
  view.querySelectorAll(".row[data-span]").forEach(row => row.addEventListener("click", () => { state.selectedSpan = row.dataset.span; renderTrace(traceId, false); }));
}

// ---- metrics -------------------------------------------------------------------------------
async function renderMetrics(args) {
  const services = await api("/api/services");
  const service = args[0] ?? services[0];
  const instruments = (service ? await api(`/api/metrics?service=${encodeURIComponent(service)}`) : [])
    .sort((a, b) => (b.name.startsWith("peervault.") - a.name.startsWith("peervault.")) || a.name.localeCompare(b.name));
  const name = args[1] ?? instruments.find(i => i.name.startsWith("peervault."))?.name ?? instruments[0]?.name;
  const series = service && name ? await api(`/api/metrics/${encodeURIComponent(service)}/${encodeURIComponent(name)}`) : null;
  view.innerHTML = `<h1>Metrics</h1>
    <div class="toolbar"><label for="metric-service">Resource</label><select id="metric-service" data-testid="metric-service">${services.map(s => `<option ${s === service ? "selected" : ""}>${esc(s)}</option>`).join("")}</select></div>
    <div class="split">
      <div class="panel list" data-testid="instruments">${instruments.map(i => `<a href="#/metrics/${encodeURIComponent(service)}/${encodeURIComponent(i.name)}" class="${i.name === name ? "active" : ""}">${esc(i.name)}</a>`).join("") || '<div class="empty">No metrics yet</div>'}</div>
      <div class="panel details">${series ? chart(series) : '<div class="empty">Choose an instrument</div>'}</div>
    </div>`;
  document.getElementById("metric-service")?.addEventListener("change", e => location.hash = `#/metrics/${encodeURIComponent(e.target.value)}`);
}

function chart({ info, points }) {
  const groups = new Map();
  for (const p of points) { if (!groups.has(p.attributes)) groups.set(p.attributes, []); groups.get(p.attributes).push(p); }
  const times = points.map(p => Date.parse(p.time)), values = points.map(p => p.value);
  const [t0, t1] = [Math.min(...times), Math.max(...times)], [v0, v1] = [Math.min(0, ...values), Math.max(...values, 1e-9)];
  const W = 800, H = 260, pad = 40;
  const x = t => pad + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - 2 * pad);
  const y = v => H - pad - (v - v0) / (v1 - v0 || 1) * (H - 2 * pad);
  const lines = [...groups].map(([attributes, ps], i) => {
    const c = `hsl(${(i * 67) % 360} 60% 45%)`;
    return { c, attributes, svg: `<polyline fill="none" stroke="${c}" stroke-width="2" points="${ps.map(p => `${x(Date.parse(p.time)).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ")}"/>` };
  });
  const last = [...groups].map(([a, ps]) => `${esc(a || "(no attributes)")}: <strong>${ps[ps.length - 1].value.toLocaleString()}</strong>`).join(" · ");
  return `<h2>${esc(info.name)} <span class="muted">${esc(info.unit)}</span></h2><p class="muted">${esc(info.description)} (${esc(info.kind)}, ${info.points} points)</p>
    <svg class="chart" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" data-testid="metric-chart">
      <line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#ccc"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#ccc"/>
      <text x="4" y="${pad}" font-size="11" fill="#667085">${v1.toPrecision(3)}</text><text x="4" y="${H - pad}" font-size="11" fill="#667085">${v0.toPrecision(3)}</text>
      <text x="${pad}" y="${H - 12}" font-size="11" fill="#667085">${points.length ? new Date(t0).toLocaleTimeString() : ""}</text>
      <text x="${W - pad - 60}" y="${H - 12}" font-size="11" fill="#667085">${points.length ? new Date(t1).toLocaleTimeString() : ""}</text>
      ${lines.map(l => l.svg).join("")}</svg>
    <div class="legend">${lines.map(l => `<span><span class="chip" style="background:${l.c}">&nbsp;</span>${esc(l.attributes || "(no attributes)")}</span>`).join("")}</div>
    <p class="muted">Latest: ${last}</p>`;
}

render();
connectEvents();
