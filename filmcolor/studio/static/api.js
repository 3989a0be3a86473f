// Talking to the studio's server: every request carries the session's token, in a header for
// fetches and in the query for pictures. The server puts it in the page: the address the page
// was opened at may not hold it (a bookmark, the history: its cookie let the page in), and a
// change is refused without the header.
export const token = document.querySelector('meta[name="filmcolor-token"]').content;

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

// A picture file (a Blob) as an Image ready to draw; null for none.
export async function imageOf(blob) {
  if (!blob) return null;
  const image = new Image();
  image.src = URL.createObjectURL(blob);
  await image.decode();
  return image;
}
