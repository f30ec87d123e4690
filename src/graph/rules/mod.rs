//! The rule catalogue: every validation code Lapis reports, with its level,
//! a one-line summary, an example that breaks it, the fix, and the
//! Microsoft Learn page it comes from. The validator, `lapis explain` and
//! the designer's problems panel all read this one table.
//!
//! The definition rules themselves (triggers, recurrence, retry policies,
//! runtime configuration, control actions, variables, parameters, per-type
//! inputs) live in [`definition`].

pub mod actions;
pub mod definition;

use super::validate::Severity;

/// One validation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable kebab-case code, as findings carry it.
    pub code: &'static str,
    /// The level of its findings (some rules also report the other level
    /// for milder cases; the summary says when).
    pub level: Severity,
    /// What the rule checks, in one line.
    pub summary: &'static str,
    /// A small piece of a workflow that breaks the rule.
    pub example: &'static str,
    /// What to do about it.
    pub fix: &'static str,
    /// The Microsoft Learn page the rule comes from.
    pub source: &'static str,
}

/// "Schema reference guide for trigger and action types".
pub const SRC_SCHEMA: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers";
/// "Schema reference guide for the Workflow Definition Language".
pub const SRC_WDL: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-definition-language";
/// "Limits and configuration reference".
pub const SRC_LIMITS: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-limits-and-config";
/// "Handle errors and exceptions".
pub const SRC_ERRORS: &str =
    "https://learn.microsoft.com/azure/logic-apps/error-exception-handling";
/// "Schedule and run recurring workflows with the Recurrence trigger".
pub const SRC_RECURRENCE: &str =
    "https://learn.microsoft.com/azure/connectors/connectors-native-recurrence";
/// "Stateful and stateless workflows" (single-tenant overview).
pub const SRC_STATELESS: &str =
    "https://learn.microsoft.com/azure/logic-apps/single-tenant-overview-compare";
/// "Secure access and data".
pub const SRC_SECURE: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app";
/// "Create variables to store and pass values".
pub const SRC_VARIABLES: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-create-variables-store-values";
/// "Receive and respond to inbound HTTPS calls" (Request and Response).
pub const SRC_REQRES: &str =
    "https://learn.microsoft.com/azure/connectors/connectors-native-reqres";
/// "Create loops" (For each, Until).
pub const SRC_LOOPS: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-control-flow-loops";
/// "Create switch actions".
pub const SRC_SWITCH: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-control-flow-switch-statement";
/// "Add conditions" (If).
pub const SRC_CONDITION: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-control-flow-conditional-statement";
/// "Reference guide to workflow expression functions".
pub const SRC_FUNCTIONS: &str =
    "https://learn.microsoft.com/azure/logic-apps/workflow-definition-language-functions-reference";
/// "Handle large messages with chunking".
pub const SRC_CHUNKING: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-handle-large-messages";
/// "Get more data, items, or records by using pagination".
pub const SRC_PAGINATION: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-exceed-default-page-size-with-pagination";
/// "Test workflows with mock data" (static results).
pub const SRC_STATIC: &str =
    "https://learn.microsoft.com/azure/logic-apps/test-logic-apps-mock-data-static-results";
/// "Perform data operations" (Compose and friends).
pub const SRC_DATA_OPS: &str =
    "https://learn.microsoft.com/azure/logic-apps/logic-apps-perform-data-operations";
/// "Call external HTTP or HTTPS endpoints" (the HTTP action).
pub const SRC_HTTP: &str = "https://learn.microsoft.com/azure/connectors/connectors-native-http";
/// "Overview: Automate deployment for Azure Logic Apps by using Azure
/// Resource Manager templates", its "Workflow definition and parameters".
pub const SRC_ARM: &str = "https://learn.microsoft.com/azure/logic-apps/logic-apps-azure-resource-manager-templates-overview#workflow-definition-and-parameters";
/// "Create cross-environment parameters for workflows" (Standard
/// `parameters.json`).
pub const SRC_PROJECT_PARAMETERS: &str =
    "https://learn.microsoft.com/azure/logic-apps/create-parameters-workflows";
/// "Naming rules and restrictions for Azure resources" (Microsoft.Logic).
pub const SRC_RESOURCE_NAMES: &str = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftlogic";
/// "Set up DevOps deployment for Standard logic apps" (`connections.json`).
pub const SRC_CONNECTIONS: &str = "https://learn.microsoft.com/azure/logic-apps/set-up-devops-deployment-single-tenant-azure-logic-apps";
/// "Edit host and app settings for Standard logic apps"
/// (`local.settings.json`, `host.json`).
pub const SRC_SETTINGS: &str =
    "https://learn.microsoft.com/azure/logic-apps/edit-app-settings-host-settings";

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

macro_rules! rules {
    ($($code:literal, $level:expr, $summary:literal, $example:literal, $fix:literal, $source:expr;)*) => {
        /// Every rule, grouped by family.
        pub static RULES: &[Rule] = &[
            $(Rule { code: $code, level: $level, summary: $summary, example: $example, fix: $fix, source: $source },)*
        ];
    };
}

rules! {
    // Names, limits and run-after.
    "duplicate-name", E, "the same name is used twice anywhere in the workflow (triggers included), also when the two differ only in case",
        r#""actions": {"Get": {…}, "Scope": {"actions": {"Get": {…}}}}"#,
        "rename one of them; every trigger and action needs a name of its own", SRC_LIMITS;
    "name-too-long", E, "a trigger or action name longer than 80 characters",
        r#""A_name_that_goes_on_and_on_…(81 characters)": {"type": "Compose", …}"#,
        "shorten the name to 80 characters or fewer", SRC_LIMITS;
    "name-chars", E, "an empty name, or one with < > % & \\ ? / or control characters",
        r#""Get/status": {"type": "Http", …}"#,
        "rename without those characters (underscores are fine)", SRC_LIMITS;
    "too-many-actions", E, "more than 500 actions in one workflow",
        "a definition with 501 actions, nested ones included",
        "split the workflow: move a part into a child workflow called with a Workflow action", SRC_LIMITS;
    "too-deep", E, "actions nested more than 8 levels deep",
        "Scope > Scope > … > Compose at level 9",
        "flatten the nesting or move the inner part into a child workflow", SRC_LIMITS;
    "run-after-unknown", E, "runAfter names an action that does not exist",
        r#""runAfter": {"Get_ordrs": ["Succeeded"]}"#,
        "name an existing sibling action, or use {} to run right after the trigger", SRC_WDL;
    "run-after-scope", E, "runAfter names an action outside the same scope, or the trigger",
        r#""Inner": {"runAfter": {"Outer_action": ["Succeeded"]}} (Outer_action is outside the scope)"#,
        "run after a sibling in the same scope, or after the scope itself from outside it", SRC_WDL;
    "run-after-status", E, "a run-after status other than Succeeded, Failed, Skipped or TimedOut",
        r#""runAfter": {"Get": ["Completed"]}"#,
        "use Succeeded, Failed, Skipped or TimedOut", SRC_ERRORS;
    "run-after-empty", W, "a run-after entry with an empty status list (Logic Apps reads it as Succeeded)",
        r#""runAfter": {"Get": []}"#,
        "list the statuses that should let the action run, e.g. [\"Succeeded\"]", SRC_ERRORS;
    "cycle", E, "actions that wait for each other in a circle",
        r#""A": {"runAfter": {"B": ["Succeeded"]}}, "B": {"runAfter": {"A": ["Succeeded"]}}"#,
        "break the circle: one of them must run first", SRC_WDL;
    "missing-type", E, "a trigger or action without `type`",
        r#""Get": {"inputs": {…}}"#, "add the type, e.g. \"type\": \"Http\"", SRC_SCHEMA;
    "arm-expression", W, "an ARM template expression where a type or structure belongs: known only at deployment",
        r#""type": "[parameters('triggerType')]""#,
        "nothing to fix; Lapis cannot check that part until the template is deployed", SRC_WDL;
    // Triggers.
    "trigger-count", E, "more triggers than allowed: one per Standard workflow, ten per Consumption workflow",
        r#"{"kind": "Stateful", "definition": {"triggers": {"manual": {…}, "Recurrence": {…}}}}"#,
        "keep one trigger (Standard) or at most ten (Consumption); split into several workflows", SRC_LIMITS;
    "trigger-only-type", E, "an action whose type exists only as a trigger (Request, Recurrence)",
        r#""actions": {"manual": {"type": "Request", "kind": "Http", …}}"#,
        "move it to `triggers`, or use an action type (Http, Response, Wait…)", SRC_SCHEMA;
    "action-only-type", E, "a trigger whose type exists only as an action (Response, Compose, If, variables…)",
        r#""triggers": {"Reply": {"type": "Response", …}}"#,
        "use a trigger type (Request, Recurrence, Http, ApiConnection…) and move the action to `actions`", SRC_SCHEMA;
    "unknown-type", W, "a trigger or action type that Lapis does not know (it may be newer than Lapis)",
        r#""type": "Htttp""#,
        "check the spelling against the schema reference; ignore if it is a type Lapis does not know yet", SRC_SCHEMA;
    "request-trigger", E, "a Request trigger whose method is not GET, PUT, POST, PATCH or DELETE, or whose schema is not a JSON object",
        r#""inputs": {"method": "FETCH", "schema": "none"}"#,
        "use one of the five methods (or leave it out to accept any) and a JSON schema object", SRC_REQRES;
    "trigger-conditions", E, "trigger conditions that are not an array of {\"expression\": \"@…\"} objects whose expression is a workflow expression",
        r#""conditions": [{"expression": "status eq 'new'"}]"#,
        "write each condition as {\"expression\": \"@equals(triggerBody()?['status'], 'new')\"}", SRC_SCHEMA;
    "split-on", E, "a trigger splitOn that is not an expression, or a splitOn trigger in a workflow that answers with a Response action",
        r#""splitOn": "@triggerBody()?['value']" with a Response action in the workflow"#,
        "remove splitOn and loop over the items with a Foreach (or remove the Response); write splitOn as an expression that returns an array", SRC_SCHEMA;
    "recurrence-frequency", E, "a recurrence without frequency, or with one other than Second, Minute, Hour, Day, Week, Month",
        r#""recurrence": {"frequency": "Daily", "interval": 1}"#,
        "use Second, Minute, Hour, Day, Week or Month", SRC_SCHEMA;
    "recurrence-interval", E, "a recurrence interval that is not a whole number within the bounds of its frequency (Month 1-16, Week 1-71, Day 1-500, Hour 1-12,000, Minute 1-72,000, Second 1-9,999,999)",
        r#""recurrence": {"frequency": "Month", "interval": 24}"#,
        "use a whole number within the bounds, or a larger frequency", SRC_SCHEMA;
    "recurrence-schedule", E, "schedule values out of range (hours 0-23, minutes 0-59, week days by name, monthDays 1-31, monthlyOccurrences day by name and occurrence 1-5 or -1 to -5); warning when a field does not apply to the frequency",
        r#""recurrence": {"frequency": "Day", "interval": 1, "schedule": {"hours": [25]}}"#,
        "use hours 0-23, minutes 0-59, weekDays Monday…Sunday, and only with Day or Week (weekDays: Week only)", SRC_RECURRENCE;
    "recurrence-start-time", E, "a startTime that is not YYYY-MM-DDThh:mm:ss (with a time zone) or YYYY-MM-DDThh:mm:ssZ (without): no UTC offsets",
        r#""startTime": "2024-05-01T08:00:00+02:00""#,
        "write \"2024-05-01T08:00:00\" with \"timeZone\": \"W. Europe Standard Time\", or \"2024-05-01T06:00:00Z\"", SRC_SCHEMA;
    "recurrence-time-zone", E, "a timeZone that is not a Windows time zone name",
        r#""timeZone": "Europe/Paris""#,
        "use the Windows name, e.g. \"Romance Standard Time\"", SRC_RECURRENCE;
    // Settings of triggers and actions.
    "retry-policy", E, "a retry policy whose type is not none, fixed, exponential or default, whose count is outside 1-90, whose intervals are not ISO 8601 between PT5S and P1D, or whose minimumInterval exceeds its maximumInterval",
        r#""retryPolicy": {"type": "fixed", "count": 100, "interval": "5 seconds"}"#,
        "type fixed with count 1-90 and interval such as PT30S; exponential with optional minimumInterval/maximumInterval; none to turn retries off", SRC_ERRORS;
    "concurrency", E, "concurrency out of bounds or in the wrong place: runs 1-100 and maximumWaitingRuns 1-200 on triggers, repetitions 1-50 on Foreach",
        r#""runtimeConfiguration": {"concurrency": {"repetitions": 80}}"#,
        "set runs/maximumWaitingRuns on the trigger and repetitions on a Foreach, within the limits", SRC_SCHEMA;
    "operation-options", W, "an operationOptions value Lapis does not know, or one set where it does not apply; error when it conflicts with concurrency (Sequential with repetitions, SingleInstance with runs)",
        r#""operationOptions": "Sequential", "runtimeConfiguration": {"concurrency": {"repetitions": 1}}"#,
        "set either the option or the concurrency, not both; check the option against the schema reference's table", SRC_SCHEMA;
    "chunked-transfer", E, "a contentTransfer.transferMode other than Chunked (warning: chunking on a type that does not offer it, or in a Stateless workflow)",
        r#""runtimeConfiguration": {"contentTransfer": {"transferMode": "Chunk"}}"#,
        "write \"transferMode\": \"Chunked\" on an HTTP action", SRC_CHUNKING;
    "pagination", E, "a paginationPolicy.minimumItemCount that is not a whole number from 1 to 100,000",
        r#""runtimeConfiguration": {"paginationPolicy": {"minimumItemCount": 0}}"#,
        "set the minimum number of items to fetch, e.g. 5000", SRC_PAGINATION;
    "static-result", E, "a runtimeConfiguration.staticResult that names no entry of the definition's staticResults, or whose staticResultOptions is not Enabled or Disabled; a staticResults entry without status or with outputs that are not an object",
        r#""staticResult": {"name": "Get0", "staticResultOptions": "On"}"#,
        "add the named entry under the definition's staticResults, and use Enabled or Disabled", SRC_STATIC;
    "limit-timeout", E, "a limit.timeout that is not an ISO 8601 duration",
        r#""limit": {"timeout": "10 minutes"}"#,
        "write the duration in ISO 8601, e.g. PT10M", SRC_SCHEMA;
    // Control actions.
    "until-limit", E, "an Until loop whose count is not 1-5,000 or whose timeout is not an ISO 8601 duration; warning when it has no limit at all",
        r#""limit": {"count": 10000, "timeout": "1 hour"}"#,
        "set count at most 5000 and timeout such as PT1H", SRC_LIMITS;
    "control-expression", E, "an If, Until or Switch without the expression it decides on, or with one of the wrong kind",
        r#""Condition": {"type": "If", "actions": {…}}"#,
        "add \"expression\": a condition object or an expression such as \"@equals(…)\" (Switch: the value to match)", SRC_SCHEMA;
    "control-actions", E, "a Foreach, If, Until, Scope or Switch case without `actions`",
        r#""Scope": {"type": "Scope", "runAfter": {}}"#,
        "add \"actions\": {} and the actions it runs", SRC_SCHEMA;
    "foreach-items", E, "a Foreach without the array to loop over (`foreach`), or with a value that is not an array or expression",
        r#""For_each": {"type": "Foreach", "actions": {…}}"#,
        "set \"foreach\": \"@body('Get')?['value']\" or another array", SRC_LOOPS;
    "switch-cases", E, "a Switch case without a value, with an expression as value, or with the value of another case; more than 25 cases",
        r#""cases": {"A": {"case": "x", …}, "B": {"case": "x", …}}"#,
        "give each case a distinct constant value (string or number)", SRC_SWITCH;
    "terminate-in-loop", E, "a Terminate action inside a Foreach or Until loop",
        r#""Foreach": {"actions": {"Stop": {"type": "Terminate", …}}}"#,
        "move the Terminate after the loop, or leave the loop with a condition", SRC_SCHEMA;
    "terminate-status", E, "a Terminate whose runStatus is not Succeeded, Failed or Cancelled, or with runError while runStatus is not Failed",
        r#""inputs": {"runStatus": "Succeeded", "runError": {"code": "X"}}"#,
        "use Succeeded, Failed or Cancelled; give runError only with Failed", SRC_SCHEMA;
    "empty-terminate-message", W, "a failing Terminate whose runError message is empty",
        r#""inputs": {"runStatus": "Failed", "runError": {"message": ""}}"#,
        "say why the run failed, or remove runError", SRC_SCHEMA;
    "empty-condition-operand", W, "a condition comparison with an empty operand, such as {\"equals\": [\"\", \"\"]}",
        r#""expression": {"and": [{"equals": ["", ""]}]}"#,
        "fill in both sides of the comparison", SRC_CONDITION;
    "empty-compose", W, "a Compose action with no inputs or empty inputs",
        r#""Compose": {"type": "Compose", "inputs": ""}"#,
        "give the Compose the value to build, or delete it", SRC_DATA_OPS;
    "table-format", E, "a Table action whose format is not CSV or HTML",
        r#""inputs": {"from": "@body('Get')", "format": "XLSX"}"#,
        "use \"format\": \"CSV\" or \"HTML\"", SRC_DATA_OPS;
    "wait-interval", E, "a Wait action without interval or until (or with both), with a count that is not a whole number of at least 1, a unit other than Second, Minute, Hour, Day, Week, Month, or an until without timestamp",
        r#""inputs": {"interval": {"count": 0, "unit": "Fortnight"}}"#,
        "write {\"interval\": {\"count\": 5, \"unit\": \"Minute\"}} or {\"until\": {\"timestamp\": \"2024-05-01T08:00:00Z\"}}", SRC_SCHEMA;
    "response-without-request", E, "a Response action in a workflow that has no Request trigger",
        r#""triggers": {"Recurrence": {…}}, "actions": {"Response": {"type": "Response", …}}"#,
        "start the workflow with a Request trigger, or remove the Response", SRC_REQRES;
    "response-in-loop", E, "a Response action inside a Foreach or Until loop",
        r#""For_each": {"actions": {"Response": {"type": "Response", …}}}"#,
        "move the Response after the loop", SRC_REQRES;
    "response-parallel", W, "two Response actions on parallel branches (not joined, not on exclusive statuses): both may run, but a request gets one answer",
        r#""Ok": {"type": "Response", "runAfter": {"Get": ["Succeeded"]}}, "Accepted": {"type": "Response", "runAfter": {"Get": ["Succeeded"]}}"#,
        "join the branches so only one Response runs, or make them wait on exclusive statuses (Succeeded / Failed)", SRC_REQRES;
    "response-status", E, "a Response without statusCode, or with one that is not an HTTP status (100-599) or an expression",
        r#""inputs": {"statusCode": "OK"}"#,
        "set \"statusCode\": 200 (or an expression)", SRC_SCHEMA;
    "stateless-unsupported", E, "a Stateless Standard workflow uses something Stateless does not support: managed connector triggers (error); chunking, or a delay longer than the 5 minutes a Stateless run lasts (warning)",
        r#"{"kind": "Stateless", "definition": {"triggers": {"When": {"type": "ApiConnection", …}}}}"#,
        "use a built-in trigger, or make the workflow Stateful", SRC_STATELESS;
    // Variables.
    "variable-init-scope", E, "an Initialize variable action that is not at the top level (inside a scope, condition or loop)",
        r#""Scope": {"actions": {"Init": {"type": "InitializeVariable", …}}}"#,
        "move the Initialize variable action to the top level, before the scope", SRC_VARIABLES;
    "variable-type", E, "an Initialize variable whose type is not boolean, integer, float, string, object or array, or whose value does not fit the type",
        r#""variables": [{"name": "n", "type": "number", "value": 0}]"#,
        "use one of boolean, integer, float, string, object, array", SRC_VARIABLES;
    "variable-duplicate", E, "two Initialize variable actions declare the same variable",
        r#""Init1": {… "name": "count" …}, "Init2": {… "name": "count" …}"#,
        "initialize each variable once; use Set variable to change it", SRC_VARIABLES;
    "variable-undeclared", E, "a Set, Increment, Decrement or Append action on a variable no Initialize variable declares",
        r#""inputs": {"name": "cuont", "value": 1}"#,
        "initialize the variable at the top level first, or fix the name", SRC_VARIABLES;
    "variable-kind", E, "Increment or Decrement on a variable that is not integer or float; Append to array/string on a variable of another type",
        r#""Increment": {"type": "IncrementVariable", "inputs": {"name": "text", "value": 1}}"#,
        "increment numbers only; append to an array or string variable of that type", SRC_VARIABLES;
    "variable-self-reference", E, "a Set variable action whose value reads the same variable",
        r#""inputs": {"name": "n", "value": "@add(variables('n'), 1)"}"#,
        "use Increment variable, or compute the value in a Compose first and set the variable from its output", SRC_VARIABLES;
    "variable-in-parallel-loop", W, "a Set, Increment, Decrement or Append variable action inside a Foreach whose iterations run in parallel",
        r#""For_each": {"type": "Foreach", "actions": {"Add": {"type": "IncrementVariable", …}}}"#,
        "make the loop sequential (concurrency repetitions 1, or operationOptions Sequential), or collect results with Select/Compose instead", SRC_VARIABLES;
    "too-many-variables", E, "more than 250 variables declared in one workflow",
        "a definition whose Initialize variable actions declare 251 variables",
        "keep related values together in one object or array variable", SRC_LIMITS;
    // Parameters and outputs.
    "parameter-type", E, "a definition parameter without type, or with one other than String, SecureString, Int, Float, Bool, Array, Object, SecureObject",
        r#""parameters": {"retries": {"type": "Integer"}}"#,
        "use Int (not Integer), Bool (not Boolean), etc.", SRC_WDL;
    "parameter-default", E, "a definition parameter whose defaultValue does not match its type (warning: a default value on a secure parameter)",
        r#""parameters": {"retries": {"type": "Int", "defaultValue": "three"}}"#,
        "give a default of the declared type, or change the type", SRC_WDL;
    "parameter-allowed-values", E, "a definition parameter whose allowedValues is not an array, holds a value of another type, or does not hold the defaultValue",
        r#""env": {"type": "String", "defaultValue": "qa", "allowedValues": ["dev", "prod"]}"#,
        "list values of the parameter's type, and include the default among them", SRC_WDL;
    "description-length", E, "a description longer than 256 characters (workflow, parameter, trigger or action)",
        r#""metadata": {"description": "… 300 characters …"}"#,
        "shorten the description to 256 characters", SRC_LIMITS;
    "output-type", E, "a definition output without type or value, or with a type other than the parameter types (warning: a literal value of another type than declared)",
        r#""outputs": {"result": {"type": "Text", "value": "@body('Get')"}}"#,
        "give each output a type (String, Int, Object…) and a value", SRC_WDL;
    "too-many-parameters", E, "more than 50 definition parameters or more than 10 definition outputs",
        "a definition with 51 parameters", "combine parameters into an Object parameter", SRC_LIMITS;
    // Inputs per type.
    "missing-input", E, "an action without an input its type requires: ApiConnection host.connection, Function function.id, Workflow host.workflow.id and host.triggerName, ServiceProvider serviceProviderConfiguration, integration account and Batch inputs; ParseJson content and schema, Query from and where, Select from and select, Join from and joinWith, Table from and format; a variable action's name (and the value of Set and Append); an Initialize variable with no variable or a nameless one",
        r#""Send": {"type": "ApiConnection", "inputs": {"method": "post", "path": "/Mail"}}"#,
        "add the missing input, as the schema reference shows for the type", SRC_SCHEMA;
    "http-method", E, "an HTTP action or trigger without method, with a method that is not a string, or with one Logic Apps does not send; an HTTP Webhook without `subscribe.method`",
        r#""inputs": {"uri": "https://example.com"}"#,
        "add \"method\": \"GET\" (or POST, PUT, PATCH, DELETE, HEAD, OPTIONS)", SRC_HTTP;
    "http-uri", E, "an HTTP action or trigger without uri (or without inputs), or with a uri that is not a string; an HTTP Webhook without `inputs.subscribe` or with an empty `subscribe.uri`",
        r#""inputs": {"method": "GET"}"#,
        "add the URL to call as \"uri\"", SRC_HTTP;
    "http-headers", E, "headers or queries that are not a JSON object; warning: a header value that is not a string, a query value that is an object or array",
        r#""headers": ["Accept: application/json"]"#,
        "write headers and queries as objects that map names to string values", SRC_SCHEMA;
    "aad-missing-field", E, "ActiveDirectoryOAuth without tenant, audience or clientId",
        r#""authentication": {"type": "ActiveDirectoryOAuth", "tenant": "contoso.com", "audience": "https://…"}"#,
        "add the missing field (clientId is the app registration's application id)", SRC_SECURE;
    "aad-secret-and-pfx", E, "ActiveDirectoryOAuth with both a secret and a pfx",
        r#""authentication": {"type": "ActiveDirectoryOAuth", "secret": "…", "pfx": "…", …}"#,
        "keep the credential your app registration uses: secret, or pfx with password", SRC_SECURE;
    "auth-missing-field", E, "Basic without username or password, ClientCertificate without pfx, Raw without value",
        r#""authentication": {"type": "Basic", "username": "svc"}"#,
        "add the missing field, from a SecureString parameter for secrets", SRC_SECURE;
    "literal-secret", W, "a password, secret, pfx or Raw value, or an Authorization header, written in clear (or filled in by an ARM template parameter)",
        r#""authentication": {"type": "Basic", "username": "svc", "password": "hunter2"}"#,
        "move the value to a SecureString parameter and write @parameters('…')", SRC_SECURE;
    "secure-data-unsupported", E, "secure inputs or outputs where Logic Apps offers none (variables, control actions, Terminate, Recurrence; secure outputs on Compose, ParseJson, Response, Wait)",
        r#""Init": {"type": "InitializeVariable", "runtimeConfiguration": {"secureData": {"properties": ["inputs"]}}}"#,
        "remove the setting there; secure the action that reads or produces the secret instead", SRC_SECURE;
    "secure-data-leak", W, "secured data that would still show in clear in run history",
        r#""Log": {"type": "Compose", "inputs": "@body('Get_secret')"} after a Get_secret with secure outputs"#,
        "secure the reader's inputs/outputs too, or read the secured action directly where it is needed", SRC_SECURE;
    "access-control", E, "an accessControl caller IP range that is not CIDR, one address or a-b, or a section Azure refuses (warning: 0.0.0.0-0.0.0.0 outside run history)",
        r#""allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/33"}]"#,
        "write IPv4/IPv6 CIDR ranges, single addresses or a.b.c.d-e.f.g.h", SRC_SECURE;
    // Expressions.
    "expr-syntax", E, "an expression that does not parse",
        r#""uri": "@concat('https://', parameters('host')""#,
        "close the parentheses and quotes; the message gives the column", SRC_FUNCTIONS;
    "expr-too-long", E, "an expression longer than 8,192 characters (warning for one part of an interpolated string)",
        "a 9,000-character @concat(…)", "split the work over several Compose actions", SRC_LIMITS;
    "expr-unknown-function", E, "a call to a function that Workflow Definition Language does not have",
        r#""@toUpperCase('x')""#, "use the documented name, e.g. toUpper", SRC_FUNCTIONS;
    "expr-arity", E, "a function called with the wrong number of arguments",
        r#""@concat()""#, "pass the arguments the function reference lists", SRC_FUNCTIONS;
    "expr-item-outside-foreach", E, "item() or items('X') used outside the loop it reads",
        r#""@items('For_each')" in an action after the loop"#,
        "use it only inside the loop, or name the enclosing loop", SRC_FUNCTIONS;
    "expr-unknown-parameter", E, "parameters('X') where the definition declares no parameter X (warning when the container may supply it)",
        r#""@parameters('tenantid')" with only `tenantId` declared"#,
        "declare the parameter, or fix the name (names are case-sensitive)", SRC_WDL;
    "expr-unknown-variable", E, "variables('X') where no Initialize variable declares X",
        r#""@variables('cuont')""#, "initialize the variable, or fix the name", SRC_VARIABLES;
    "expr-unknown-action", E, "body('X'), outputs('X') or actions('X') where there is no action X",
        r#""@body('Get_ordrs')""#, "fix the name (spaces in names become underscores)", SRC_FUNCTIONS;
    "expr-not-upstream", E, "an expression reads an action that has not run yet at that point (not upstream through run-after)",
        r#""A": {"inputs": "@body('B')", "runAfter": {}}, "B": {"runAfter": {"A": ["Succeeded"]}}"#,
        "make the action run after the one it reads", SRC_WDL;
    // What surrounds the workflow: the ARM template that deploys it, the
    // Standard project around a workflow.json (src/graph/project_rules.rs).
    "workflow-name", E, "the name of an ARM template's workflow resource, written as text, is empty, longer than 80 characters, or has characters other than letters, digits, - _ . ( )",
        r#""type": "Microsoft.Logic/workflows", "name": "orders/sync""#,
        "rename the logic app with letters, digits, hyphens, underscores, periods or parentheses, 80 at most", SRC_RESOURCE_NAMES;
    "arm-parameter-missing", E, "the workflow resource of an ARM template passes no value for a definition parameter that has no defaultValue (warning when it passes one under another casing)",
        r#""definition": {"parameters": {"apiKey": {"type": "SecureString"}}, …}, "parameters": {}"#,
        "add \"apiKey\": {\"value\": \"[parameters('apiKey')]\"} to the resource's properties.parameters, or give the definition parameter a defaultValue", SRC_ARM;
    "arm-parameter-undeclared", W, "the workflow resource passes a value for a parameter the definition does not declare",
        r#""parameters": {"unused": {"value": "x"}} with no `unused` among the definition's parameters"#,
        "declare the parameter in the definition, or remove the value from the resource", SRC_ARM;
    "project-file-invalid", E, "a file of the Standard project (parameters.json, connections.json, host.json, local.settings.json) is not valid JSON of the expected shape",
        r#"parameters.json: {"ordersApi": {"type": "String", "value": "https://…"},}"#,
        "fix the JSON at the line and column given: each file holds one object (local.settings.json: its app settings under `Values`)", SRC_SETTINGS;
    "project-parameter-shape", E, "an entry of parameters.json is not an object with `type` and `value`",
        r#"parameters.json: {"ordersApi": "https://orders.example"}"#,
        "write each entry as {\"type\": \"String\", \"value\": …}", SRC_PROJECT_PARAMETERS;
    "connection-reference-missing", E, "an action's connection (`host.connection.referenceName`, `serviceProviderConfiguration.connectionName`, `function.connectionName`) is not declared in connections.json",
        r#""host": {"connection": {"referenceName": "office356"}} with only `office365` under managedApiConnections"#,
        "fix the name, or add the connection to the matching section of connections.json", SRC_CONNECTIONS;
    "connection-entry-shape", W, "a connections.json entry the workflow uses lacks a field its kind needs (`api.id`, `connection.id`, `authentication`; `serviceProvider.id`, `parameterValues`; `function.id`)",
        r#""managedApiConnections": {"teams": {"api": {"id": "/subscriptions/…/managedApis/teams"}}}"#,
        "add the missing fields, as the designer writes them when it creates the connection", SRC_CONNECTIONS;
    "app-setting-missing", W, "`@appsetting('NAME')` names a setting that local.settings.json does not have (values are never printed)",
        r#""uri": "@appsetting('ORDERS_API_URL')" with no ORDERS_API_URL under local.settings.json's Values"#,
        "add the setting to local.settings.json for local runs, and to the logic app's app settings in Azure", SRC_SETTINGS;
}

/// The rule with this code.
pub fn find(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// `lapis explain CODE`: the rule in a few lines of text.
pub fn explain(rule: &Rule) -> String {
    let level = match rule.level {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    format!(
        "{code} ({level})\n\n  {summary}\n\nexample:\n  {example}\n\nfix:\n  {fix}\n\nsource:\n  {source}\n",
        code = rule.code,
        summary = rule.summary,
        example = rule.example,
        fix = rule.fix,
        source = rule.source,
    )
}

/// `lapis explain` with no code: one line per rule.
pub fn list() -> String {
    let width = RULES.iter().map(|r| r.code.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in RULES {
        let level = match r.level {
            Severity::Error => "error  ",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{:width$}  {level}  {}\n", r.code, r.summary));
    }
    out
}
