// Talking to the studio's server: every request carries the session's token (from the address
// the command printed), in a header for fetches and in the query for pictures.
const token = new URLSearchParams(location.search).get("token") || "";

export function url(path) {
  return path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
}

export async function request(method, path, body = undefined, headers = {}) {
  const init = { method, headers: { "X-Filmcolor-Token": token, ...headers } };
  if (body !== undefined) {
    if (body instanceof Blob) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
  }
  return fetch(path, init);
}

export async function json(method, path, body = undefined) {
  const response = await request(method, path, body);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.error || `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.data = data;
    throw error;
  }
  return data;
}

// A picture from the server as an object URL (with the headers it came with).
export async function picture(path) {
  const response = await request("GET", path);
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    throw new Error(data.error || `${response.status} ${response.statusText}`);
  }
  const blob = await response.blob();
  return { url: URL.createObjectURL(blob), blob, headers: response.headers };
}
