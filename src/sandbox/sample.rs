//! What `lapis sandbox` hands the user: the settings block, a sample
//! workflow whose HTTP actions target this sandbox, and the files.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::keys::b64std;
use super::Sandbox;

/// File name of the sample workflow (bare definition).
pub const WORKFLOW_FILE: &str = "sandbox-workflow.json";
/// File name of the parameters file (no secrets).
pub const PARAMETERS_FILE: &str = "sandbox-parameters.json";

/// The files [`Sandbox::write_files`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxFiles {
    /// The folder.
    pub dir: PathBuf,
    /// `ca.pem`: the sandbox CA certificate.
    pub ca_pem: PathBuf,
    /// `client.pfx`: the demo client certificate and key (PKCS#12).
    pub client_pfx: PathBuf,
    /// `client.pfx.b64`: the same, base64 (what an action's `pfx` holds).
    pub client_pfx_b64: PathBuf,
    /// `client.pem`: the demo client certificate alone (public).
    pub client_cert_pem: PathBuf,
    /// `sandbox-workflow.json`: the sample workflow.
    pub workflow: PathBuf,
    /// `sandbox-parameters.json`: parameter values, without secrets
    /// (`{name: {"type", "value"}}`, as a Standard `parameters.json`).
    pub parameters: PathBuf,
}

fn http_action(method: &str, uri: &str, auth: Option<Value>) -> Value {
    let mut inputs = json!({ "method": method, "uri": uri });
    if let Some(a) = auth {
        inputs["authentication"] = a;
    }
    json!({ "type": "Http", "inputs": inputs, "runAfter": {} })
}

fn aad(credential: &str) -> Value {
    let mut a = json!({
        "type": "ActiveDirectoryOAuth",
        "authority": "@parameters('authority')",
        "tenant": "@parameters('tenant')",
        "audience": "@parameters('audience')",
        "clientId": "@parameters('clientId')",
        "credentialType": credential,
    });
    if credential == "Secret" {
        a["secret"] = json!("@parameters('clientSecret')");
    } else {
        a["pfx"] = json!("@parameters('clientPfx')");
        a["password"] = json!("@parameters('pfxPassword')");
    }
    a
}

impl Sandbox {
    /// The plain (non-secret) workflow parameters and their values.
    fn plain_parameters(&self) -> Vec<(&'static str, String)> {
        vec![
            ("authority", self.authority.clone()),
            ("tenant", self.tenant_id.clone()),
            ("audience", self.proxy_url.clone()),
            ("clientId", self.client_id.clone()),
            ("apiBase", self.proxy_url.clone()),
            ("apiDirect", self.api_url.clone()),
            ("mtlsBase", self.mtls_url.clone()),
            ("basicUser", self.config.api.basic_user.clone()),
        ]
    }

    /// The secure parameters of the sample workflow, with the environment
    /// variable that can hold each and a note on where its value is.
    fn secure_parameters(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            (
                "clientSecret",
                "LAPIS_SECRET_CLIENTSECRET",
                self.client_secret.clone(),
            ),
            (
                "clientPfx",
                "LAPIS_SECRET_CLIENTPFX",
                "the content of client.pfx.b64".into(),
            ),
            (
                "pfxPassword",
                "LAPIS_SECRET_PFXPASSWORD",
                self.client_pfx_password.clone(),
            ),
            (
                "basicPassword",
                "LAPIS_SECRET_BASICPASSWORD",
                self.config.api.basic_password.clone(),
            ),
            (
                "privateToken",
                "LAPIS_SECRET_PRIVATETOKEN",
                self.config.api.private_token.clone(),
            ),
            (
                "sessionCookie",
                "LAPIS_SECRET_SESSIONCOOKIE",
                self.config.api.session_cookie.clone(),
            ),
        ]
    }

    /// A bare Logic Apps definition whose HTTP actions call this sandbox,
    /// one per authentication type: ActiveDirectoryOAuth with a secret
    /// (`Get_status`) and with a certificate (`Echo_with_certificate`),
    /// Basic (`Basic_direct`), Raw (`Raw_direct`), ClientCertificate
    /// (`Client_certificate_mtls`), None (`No_auth_direct`, and
    /// `Proxy_without_token`, which shows App Proxy's sign-in redirect);
    /// plus `Header_protected` and `Cookie_protected` (a backend credential
    /// in a custom header, or in a cookie, beside the proxy's token).
    /// Secrets are `@parameters('…')` of SecureString parameters without a
    /// value: `clientSecret`, `clientPfx`, `pfxPassword`, `basicPassword`,
    /// `privateToken`, `sessionCookie`. The String parameters `authority`, `tenant`,
    /// `audience`, `clientId`, `apiBase`, `apiDirect`, `mtlsBase`,
    /// `basicUser` default to this sandbox's values.
    pub fn sample_workflow(&self) -> Value {
        let mut params = serde_json::Map::new();
        for (name, value) in self.plain_parameters() {
            params.insert(
                name.into(),
                json!({ "type": "String", "defaultValue": value }),
            );
        }
        for (name, _, _) in self.secure_parameters() {
            params.insert(name.into(), json!({ "type": "SecureString" }));
        }
        let mut actions = serde_json::Map::new();
        actions.insert(
            "Get_status".into(),
            http_action(
                "GET",
                "@{parameters('apiBase')}/api/status",
                Some(aad("Secret")),
            ),
        );
        let mut echo = http_action(
            "POST",
            "@{parameters('apiBase')}/api/echo",
            Some(aad("Certificate")),
        );
        echo["inputs"]["headers"] = json!({ "Content-Type": "application/json" });
        echo["inputs"]["queries"] = json!({ "source": "lapis-sandbox" });
        echo["inputs"]["body"] = json!({ "hello": "from Lapis", "run": "@{utcNow()}" });
        actions.insert("Echo_with_certificate".into(), echo);
        let mut header = http_action(
            "GET",
            "@{parameters('apiBase')}/api/header-protected",
            Some(aad("Secret")),
        );
        header["inputs"]["headers"] = json!({ "PRIVATE-TOKEN": "@parameters('privateToken')" });
        actions.insert("Header_protected".into(), header);
        let mut cookie = http_action(
            "GET",
            "@{parameters('apiBase')}/api/cookie-protected",
            Some(aad("Secret")),
        );
        cookie["inputs"]["cookie"] = json!("session=@{parameters('sessionCookie')}");
        actions.insert("Cookie_protected".into(), cookie);
        actions.insert(
            "Basic_direct".into(),
            http_action(
                "GET",
                "@{parameters('apiDirect')}/api/basic",
                Some(json!({
                    "type": "Basic",
                    "username": "@parameters('basicUser')",
                    "password": "@parameters('basicPassword')",
                })),
            ),
        );
        actions.insert(
            "Raw_direct".into(),
            http_action(
                "GET",
                "@{parameters('apiDirect')}/api/echo",
                Some(json!({
                    "type": "Raw",
                    "value": "@{concat('Token ', parameters('privateToken'))}",
                })),
            ),
        );
        actions.insert(
            "Client_certificate_mtls".into(),
            http_action(
                "GET",
                "@{parameters('mtlsBase')}/api/status",
                Some(json!({
                    "type": "ClientCertificate",
                    "pfx": "@parameters('clientPfx')",
                    "password": "@parameters('pfxPassword')",
                })),
            ),
        );
        actions.insert(
            "No_auth_direct".into(),
            http_action(
                "GET",
                "@{parameters('apiDirect')}/api/status",
                Some(json!({ "type": "None" })),
            ),
        );
        actions.insert(
            "Proxy_without_token".into(),
            http_action("GET", "@{parameters('apiBase')}/api/status", None),
        );
        json!({
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "parameters": params,
            "triggers": {
                "manual": {
                    "type": "Request",
                    "kind": "Http",
                    "inputs": { "schema": {} }
                }
            },
            "actions": actions,
            "outputs": {}
        })
    }

    /// The parameters file: the plain parameters' values, no secret.
    pub fn parameters_file(&self) -> Value {
        let mut m = serde_json::Map::new();
        for (name, value) in self.plain_parameters() {
            m.insert(name.into(), json!({ "type": "String", "value": value }));
        }
        Value::Object(m)
    }

    /// Writes `ca.pem`, `client.pfx`, `client.pfx.b64`, `client.pem`, the
    /// sample workflow and the parameters file (without secrets) into
    /// `dir`, which must exist. Later [`Sandbox::settings_text`] names them.
    pub fn write_files(&self, dir: &Path) -> io::Result<SandboxFiles> {
        let files = SandboxFiles {
            dir: dir.to_path_buf(),
            ca_pem: dir.join("ca.pem"),
            client_pfx: dir.join("client.pfx"),
            client_pfx_b64: dir.join("client.pfx.b64"),
            client_cert_pem: dir.join("client.pem"),
            workflow: dir.join(WORKFLOW_FILE),
            parameters: dir.join(PARAMETERS_FILE),
        };
        let pretty = |v: &Value| {
            serde_json::to_string_pretty(v)
                .map(|mut s| {
                    s.push('\n');
                    s
                })
                .map_err(io::Error::other)
        };
        write_atomic(&files.ca_pem, self.ca_pem.as_bytes())?;
        write_atomic(&files.client_pfx, &self.client_pfx)?;
        write_atomic(&files.client_pfx_b64, b64std(&self.client_pfx).as_bytes())?;
        write_atomic(&files.client_cert_pem, self.client_cert_pem.as_bytes())?;
        write_atomic(&files.workflow, pretty(&self.sample_workflow())?.as_bytes())?;
        write_atomic(
            &files.parameters,
            pretty(&self.parameters_file())?.as_bytes(),
        )?;
        if let Ok(mut f) = self.files.lock() {
            *f = Some(files.clone());
        }
        Ok(files)
    }

    /// The block `lapis sandbox` prints: URLs, tenant, clients, audience,
    /// the demo credentials (sandbox-only values, fine to print), file
    /// paths and example command lines.
    pub fn settings_text(&self) -> String {
        let files = self.files();
        let path = |f: fn(&super::SandboxFiles) -> &PathBuf, name: &str| match &files {
            Some(fs) => f(fs).display().to_string(),
            None => format!("{name} (not written yet)"),
        };
        let api = &self.config.api;
        let mut t = String::new();
        let mut line = |s: String| {
            t.push_str(&s);
            t.push('\n');
        };
        line(
            "Lapis sandbox: Entra token service, App Proxy front and a demo API on loopback."
                .into(),
        );
        line("These are sandbox demo credentials: they work only against this sandbox.".into());
        line(String::new());
        line("Entra (token service)".into());
        line(format!("  authority            {}", self.authority));
        line(format!("  tenant id            {}", self.tenant_id));
        line(format!("  tenant domain        {}", self.tenant_domain));
        line(format!("  token endpoint v1    {}", self.token_url_v1()));
        line(format!("  token endpoint v2    {}", self.token_url_v2()));
        line(format!("  client id            {}", self.client_id));
        line(format!("  client secret        {}", self.client_secret));
        line(format!("  audience             {}", self.proxy_url));
        line(format!(
            "  v2 scope             {}/.default",
            self.proxy_url
        ));
        if let Some(t) = self.config.tenants.iter().find(|t| t.id == self.tenant_id) {
            for c in t.clients.iter().skip(1) {
                line(format!(
                    "  other client         {} ({})",
                    c.client_id, c.name
                ));
            }
        }
        line(String::new());
        line("App Proxy front".into());
        line(format!("  external URL         {}", self.proxy_url));
        line(format!("  external URL (TLS)   {}", self.proxy_tls_url));
        line(format!(
            "  backend timeout      {} ms",
            self.config.backend_timeout_ms
        ));
        line(format!(
            "  fault pages          {0}/_fault/bad-gateway  {0}/_fault/gateway-timeout  {0}/_fault/forbidden",
            self.proxy_url
        ));
        line(String::new());
        line("Demo on-premises API".into());
        line(format!(
            "  direct               {}/api/status",
            self.api_url
        ));
        line(format!(
            "  mTLS (client cert)   {}/api/status",
            self.mtls_url
        ));
        line(format!(
            "  Basic                user {}  password {}",
            api.basic_user, api.basic_password
        ));
        line(format!("  PRIVATE-TOKEN        {}", api.private_token));
        line(format!(
            "  session cookie       session={}",
            api.session_cookie
        ));
        line(String::new());
        line("Certificates".into());
        line(format!(
            "  client pfx           {}",
            path(|f| &f.client_pfx, "client.pfx")
        ));
        line(format!(
            "  client pfx (base64)  {}",
            path(|f| &f.client_pfx_b64, "client.pfx.b64")
        ));
        line(format!(
            "  pfx password         {}",
            self.client_pfx_password
        ));
        line(format!(
            "  thumbprint (SHA-1)   {}",
            self.client_cert_thumbprint
        ));
        line(format!(
            "  CA certificate       {}",
            path(|f| &f.ca_pem, "ca.pem")
        ));
        line(String::new());
        line(format!("Stats: {}/_sandbox/stats", self.authority));
        line(String::new());
        let wf = path(|f| &f.workflow, WORKFLOW_FILE);
        let params = path(|f| &f.parameters, PARAMETERS_FILE);
        let b64 = path(|f| &f.client_pfx_b64, "client.pfx.b64");
        line("Try it (sample workflow and parameters, secrets from the environment):".into());
        line(format!("  workflow             {wf}"));
        line(format!("  parameters           {params}"));
        for (name, var, value) in self.secure_parameters() {
            if name == "clientPfx" {
                line(format!("  export {var}=\"$(cat {b64})\""));
            } else {
                line(format!("  export {var}='{value}'"));
            }
        }
        line(format!(
            "  lapis call {wf} --action Get_status --secret clientSecret=env:LAPIS_SECRET_CLIENTSECRET"
        ));
        line(format!(
            "  lapis call {wf} --action Echo_with_certificate --secret clientPfx=env:LAPIS_SECRET_CLIENTPFX --secret pfxPassword=env:LAPIS_SECRET_PFXPASSWORD"
        ));
        line(format!(
            "  lapis call {wf} --action Basic_direct --secret basicPassword=env:LAPIS_SECRET_BASICPASSWORD"
        ));
        let ca = path(|f| &f.ca_pem, "ca.pem");
        line(format!(
            "  lapis call {wf} --action Client_certificate_mtls --ca {ca}"
        ));
        line(format!("  lapis call {wf} --action Proxy_without_token"));
        line(String::new());
        line("Press Ctrl+C to stop.".into());
        t
    }
}

/// Writes a file atomically: a temporary file in the same folder, synced,
/// then renamed over the target.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
