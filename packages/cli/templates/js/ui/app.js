// The iframe UI of the extension. It runs sandboxed inside the host app; talk to the host with
// postMessage (see the SDK README, "UI bridge").
document.getElementById('status').textContent = 'Ready: ' + new Date().toLocaleString();
