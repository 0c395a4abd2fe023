// Checks what makes a release without building one: the Tauri configuration (and its Linux
// override, merged) against the schema of the Tauri command line in use, and the release
// workflow — valid YAML, a Windows job that builds the NSIS installer with tauri-action, a Linux
// job for the packages, and the tests before them.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import Ajv from "ajv";
import YAML from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (path) => readFileSync(join(root, path), "utf8");
const problems = [];

const schema = JSON.parse(read("ui/node_modules/@tauri-apps/cli/config.schema.json"));
const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false }).compile(schema);
const config = JSON.parse(read("src-tauri/tauri.conf.json"));
const linux = { ...config, ...JSON.parse(read("src-tauri/tauri.linux.conf.json")) };
for (const [name, value] of [["tauri.conf.json", config], ["tauri.conf.json + tauri.linux.conf.json", linux]]) {
  if (!validate(value)) problems.push(`${name}: ${validate.errors.map((e) => `${e.instancePath} ${e.message}`).join("; ")}`);
}
const bundle = config.bundle ?? {};
const windows = bundle.windows ?? {};
if (!bundle.targets?.includes("nsis")) problems.push("bundle.targets thiếu nsis");
if (windows.webviewInstallMode?.type !== "offlineInstaller") problems.push("WebView2 phải nằm trong bộ cài (offlineInstaller)");
if (windows.nsis?.installMode !== "currentUser") problems.push("NSIS phải cài cho người dùng (currentUser), không cần quyền quản trị");
if (!windows.nsis?.languages?.includes("Vietnamese")) problems.push("NSIS phải bằng tiếng Việt");
const exts = (bundle.fileAssociations ?? []).flatMap((a) => a.ext);
// The name is Windows's ProgID, a registry key: ASCII; the Vietnamese goes in the description.
for (const a of bundle.fileAssociations ?? []) if (!/^[A-Za-z0-9.]+$/.test(a.name ?? "")) problems.push(`liên kết tệp .${a.ext}: tên (ProgID) phải là chữ ASCII`);
for (const ext of ["treemsync", "treembackup", "treemjoin"]) if (!exts.includes(ext)) problems.push(`thiếu liên kết tệp .${ext}`);
if (!/^[a-z0-9][a-z0-9+.-]*$/.test(linux.productName)) problems.push("tên gói Linux phải là chữ thường không dấu");

const workflow = YAML.parse(read(".github/workflows/release.yml"));
const jobs = Object.entries(workflow?.jobs ?? {});
const uses = (job, action) => (job.steps ?? []).filter((s) => String(s.uses ?? "").startsWith(action));
const windowsRelease = jobs.find(([, j]) => String(j["runs-on"]).startsWith("windows") && uses(j, "tauri-apps/tauri-action").length);
if (!windowsRelease) problems.push("workflow: không có job Windows dùng tauri-action");
else {
  const args = uses(windowsRelease[1], "tauri-apps/tauri-action")[0].with?.args ?? "";
  if (!args.includes("nsis")) problems.push("workflow: job Windows phải làm bộ cài NSIS");
  if (!(windowsRelease[1].needs ?? []).length) problems.push("workflow: bộ cài chỉ làm sau khi kiểm thử đạt");
}
if (!jobs.some(([, j]) => String(j["runs-on"]).startsWith("ubuntu") && uses(j, "tauri-apps/tauri-action").some((s) => String(s.with?.args).includes("appimage"))))
  problems.push("workflow: không có job làm gói Linux (.deb, AppImage)");
if (!jobs.some(([, j]) => (j.steps ?? []).some((s) => String(s.run ?? "").includes(".ci/run")))) problems.push("workflow: không chạy .ci/run");

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`Cấu hình Tauri hợp lệ; workflow có ${jobs.length} job: ${jobs.map(([name]) => name).join(", ")}.`);
