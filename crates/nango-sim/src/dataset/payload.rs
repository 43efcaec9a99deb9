//! Record payloads per model: field lists (for JSON schemas) and realistic values.

use serde_json::{Map, Value, json};

use super::people::{COMPANIES, FIRST_NAMES, JOB_TITLES, LAST_NAMES};
use super::rng::Rng;

/// The family a model belongs to; decides its fields and id prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PayloadKind {
    Deal,
    Contact,
    Account,
    Ticket,
    Project,
    PullRequest,
    Message,
    Person,
    Charge,
    Customer,
    Page,
    Task,
    Event,
    Order,
    Invoice,
    Generic,
}

pub(crate) fn kind_for(model: &str) -> PayloadKind {
    match model {
        "Deal" => PayloadKind::Deal,
        "Contact" => PayloadKind::Contact,
        "Account" | "Company" => PayloadKind::Account,
        "JiraIssue" | "GithubIssue" | "LinearIssue" | "ZendeskTicket" | "IntercomConversation" => {
            PayloadKind::Ticket
        }
        "JiraProject" => PayloadKind::Project,
        "GithubPullRequest" => PayloadKind::PullRequest,
        "SlackMessage" => PayloadKind::Message,
        "SlackUser" | "Employee" | "Candidate" => PayloadKind::Person,
        "StripeCharge" | "PaypalTransaction" => PayloadKind::Charge,
        "StripeCustomer" | "ShopifyCustomer" => PayloadKind::Customer,
        "NotionPage" => PayloadKind::Page,
        "TrelloCard" | "AsanaTask" => PayloadKind::Task,
        "CalendarEvent" => PayloadKind::Event,
        "ShopifyOrder" => PayloadKind::Order,
        "NetsuiteInvoice" => PayloadKind::Invoice,
        _ => PayloadKind::Generic,
    }
}

/// Field names and JSON types of a model (the `id` field comes first).
pub(crate) fn fields(kind: PayloadKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        PayloadKind::Deal => &[
            ("id", "string"),
            ("name", "string"),
            ("amount", "number"),
            ("currency", "string"),
            ("stage", "string"),
            ("probability", "number"),
            ("close_date", "string"),
            ("owner_email", "string"),
            ("account_name", "string"),
        ],
        PayloadKind::Contact => &[
            ("id", "string"),
            ("first_name", "string"),
            ("last_name", "string"),
            ("email", "string"),
            ("phone", "string"),
            ("title", "string"),
            ("company", "string"),
        ],
        PayloadKind::Account => &[
            ("id", "string"),
            ("name", "string"),
            ("domain", "string"),
            ("industry", "string"),
            ("employees", "number"),
            ("annual_revenue", "number"),
        ],
        PayloadKind::Ticket => &[
            ("id", "string"),
            ("title", "string"),
            ("status", "string"),
            ("priority", "string"),
            ("assignee_email", "string"),
            ("requester_email", "string"),
            ("created_at", "string"),
        ],
        PayloadKind::Project => &[
            ("id", "string"),
            ("key", "string"),
            ("name", "string"),
            ("lead_email", "string"),
        ],
        PayloadKind::PullRequest => &[
            ("id", "string"),
            ("number", "number"),
            ("title", "string"),
            ("state", "string"),
            ("author", "string"),
            ("merged", "boolean"),
        ],
        PayloadKind::Message => &[
            ("id", "string"),
            ("channel", "string"),
            ("user", "string"),
            ("text", "string"),
            ("ts", "string"),
        ],
        PayloadKind::Person => &[
            ("id", "string"),
            ("name", "string"),
            ("email", "string"),
            ("title", "string"),
            ("department", "string"),
        ],
        PayloadKind::Charge => &[
            ("id", "string"),
            ("amount", "number"),
            ("currency", "string"),
            ("status", "string"),
            ("customer_id", "string"),
            ("description", "string"),
        ],
        PayloadKind::Customer => &[
            ("id", "string"),
            ("name", "string"),
            ("email", "string"),
            ("country", "string"),
            ("currency", "string"),
        ],
        PayloadKind::Page => &[
            ("id", "string"),
            ("title", "string"),
            ("url", "string"),
            ("last_edited_by", "string"),
        ],
        PayloadKind::Task => &[
            ("id", "string"),
            ("name", "string"),
            ("status", "string"),
            ("due_date", "string"),
            ("assignee", "string"),
        ],
        PayloadKind::Event => &[
            ("id", "string"),
            ("summary", "string"),
            ("start", "string"),
            ("end", "string"),
            ("attendees", "number"),
        ],
        PayloadKind::Order => &[
            ("id", "string"),
            ("order_number", "string"),
            ("total", "number"),
            ("currency", "string"),
            ("financial_status", "string"),
            ("customer_email", "string"),
        ],
        PayloadKind::Invoice => &[
            ("id", "string"),
            ("number", "string"),
            ("total", "number"),
            ("currency", "string"),
            ("status", "string"),
            ("due_date", "string"),
        ],
        PayloadKind::Generic => &[
            ("id", "string"),
            ("name", "string"),
            ("updated_by", "string"),
        ],
    }
}

/// Prefix of generated external ids (`<prefix><100000 + index>`); contacts use bare numbers
/// like HubSpot does.
pub(crate) fn id_prefix(kind: PayloadKind) -> &'static str {
    match kind {
        PayloadKind::Deal => "deal-",
        PayloadKind::Contact => "",
        PayloadKind::Account => "acct-",
        PayloadKind::Ticket => "issue-",
        PayloadKind::Project => "proj-",
        PayloadKind::PullRequest => "pr-",
        PayloadKind::Message => "msg-",
        PayloadKind::Person => "user-",
        PayloadKind::Charge => "ch_",
        PayloadKind::Customer => "cus_",
        PayloadKind::Page => "page-",
        PayloadKind::Task => "task-",
        PayloadKind::Event => "evt-",
        PayloadKind::Order => "order-",
        PayloadKind::Invoice => "inv-",
        PayloadKind::Generic => "rec-",
    }
}

/// JSON schema (`{"type":"object","properties":…,"required":…}`) of a model.
pub(crate) fn model_schema(kind: PayloadKind, include_id: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, kind) in fields(kind) {
        if !include_id && *name == "id" {
            continue;
        }
        properties.insert((*name).to_owned(), json!({ "type": kind }));
        required.push(Value::String((*name).to_owned()));
    }
    json!({ "type": "object", "properties": properties, "required": required })
}

fn person(rng: &mut Rng) -> (&'static str, &'static str) {
    (rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES))
}

fn email(first: &str, last: &str, domain: &str) -> String {
    let ascii = |s: &str| -> String {
        s.chars()
            .map(|c| if c == 'ü' { 'u' } else { c })
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase()
    };
    format!("{}.{}@{}", ascii(first), ascii(last), domain)
}

fn company_index(rng: &mut Rng) -> usize {
    usize::try_from(rng.below(COMPANIES.len() as u64)).unwrap_or(0)
}

fn money(rng: &mut Rng, low: i64, high: i64) -> f64 {
    // Cents precision, like real CRM amounts.
    rng.range(low * 100, high * 100) as f64 / 100.0
}

fn date(rng: &mut Rng) -> String {
    format!("2026-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28))
}

/// A realistic payload for record `external_id` of a model of `kind`. `org_domain` is the
/// connection owner's domain (internal users such as deal owners live there).
pub(crate) fn payload(
    kind: PayloadKind,
    rng: &mut Rng,
    external_id: &str,
    org_domain: &str,
) -> Map<String, Value> {
    let (first, last) = person(rng);
    let customer = COMPANIES
        .get(company_index(rng))
        .map_or("Acme Corp", |c| c.name);
    let customer_domain = COMPANIES
        .get(company_index(rng))
        .map_or("acme.com", |c| c.domain);
    let currencies = ["USD", "EUR", "GBP", "USD", "USD"];
    let value = match kind {
        PayloadKind::Deal => json!({
            "id": external_id,
            "name": format!("{customer} – {}", rng.pick(&["Renewal", "Expansion", "New Business", "Upsell", "Pilot"])),
            "amount": money(rng, 5_000, 480_000),
            "currency": rng.pick(&currencies),
            "stage": rng.pick(&["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]),
            "probability": rng.range(5, 95),
            "close_date": date(rng),
            "owner_email": email(first, last, org_domain),
            "account_name": customer,
        }),
        PayloadKind::Contact => json!({
            "id": external_id,
            "first_name": first,
            "last_name": last,
            "email": email(first, last, customer_domain),
            "phone": format!("+1-555-{:03}-{:04}", rng.range(100, 999), rng.range(0, 9999)),
            "title": rng.pick(JOB_TITLES),
            "company": customer,
        }),
        PayloadKind::Account => json!({
            "id": external_id,
            "name": customer,
            "domain": customer_domain,
            "industry": rng.pick(&["Manufacturing", "Software", "Retail", "Finance", "Healthcare", "Logistics"]),
            "employees": rng.range(20, 40_000),
            "annual_revenue": rng.range(1, 900) * 1_000_000,
        }),
        PayloadKind::Ticket => json!({
            "id": external_id,
            "title": rng.pick(&["Sync fails on large accounts", "Cannot log in with SSO", "Export is missing columns", "Webhook retries too often", "Invoice totals look wrong", "Add bulk edit"]),
            "status": rng.pick(&["open", "in_progress", "pending", "closed"]),
            "priority": rng.pick(&["low", "normal", "high", "urgent"]),
            "assignee_email": email(first, last, org_domain),
            "requester_email": email(rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES), customer_domain),
            "created_at": format!("{}T{:02}:{:02}:00Z", date(rng), rng.range(0, 23), rng.range(0, 59)),
        }),
        PayloadKind::Project => json!({
            "id": external_id,
            "key": rng.pick(&["OPS", "CORE", "WEB", "DATA", "SEC", "APP"]),
            "name": rng.pick(&["Platform", "Website", "Data Pipeline", "Security", "Mobile App", "Operations"]),
            "lead_email": email(first, last, org_domain),
        }),
        PayloadKind::PullRequest => json!({
            "id": external_id,
            "number": rng.range(1, 9_000),
            "title": rng.pick(&["Fix flaky test", "Bump dependencies", "Add retry to client", "Refactor auth module", "Improve logging"]),
            "state": rng.pick(&["open", "closed", "merged"]),
            "author": format!("{}{}", first.to_lowercase(), rng.range(1, 99)),
            "merged": rng.chance(60),
        }),
        PayloadKind::Message => json!({
            "id": external_id,
            "channel": rng.pick(&["#general", "#sales", "#support", "#eng", "#random"]),
            "user": format!("U{}", rng.hex(8).to_uppercase()),
            "text": rng.pick(&["Deploy is done", "Can someone review my PR?", "Customer call moved to 3pm", "Numbers look good this week", "Who owns the Globex renewal?"]),
            "ts": format!("{}.{:06}", rng.range(1_760_000_000, 1_790_000_000), rng.range(0, 999_999)),
        }),
        PayloadKind::Person => json!({
            "id": external_id,
            "name": format!("{first} {last}"),
            "email": email(first, last, org_domain),
            "title": rng.pick(JOB_TITLES),
            "department": rng.pick(&["Sales", "Engineering", "Support", "Finance", "Marketing"]),
        }),
        PayloadKind::Charge => json!({
            "id": external_id,
            "amount": rng.range(500, 250_000),
            "currency": rng.pick(&["usd", "eur", "gbp"]),
            "status": rng.pick(&["succeeded", "succeeded", "succeeded", "pending", "failed"]),
            "customer_id": format!("cus_{}", rng.hex(14)),
            "description": format!("{customer} subscription"),
        }),
        PayloadKind::Customer => json!({
            "id": external_id,
            "name": format!("{first} {last}"),
            "email": email(first, last, customer_domain),
            "country": rng.pick(&["US", "DE", "GB", "FR", "JP", "BR"]),
            "currency": rng.pick(&currencies),
        }),
        PayloadKind::Page => json!({
            "id": external_id,
            "title": rng.pick(&["Onboarding checklist", "Q3 roadmap", "Incident postmortem", "Sales playbook", "API guidelines"]),
            "url": format!("https://www.notion.so/{}", rng.hex(32)),
            "last_edited_by": email(first, last, org_domain),
        }),
        PayloadKind::Task => json!({
            "id": external_id,
            "name": rng.pick(&["Prepare QBR deck", "Renew SSL certificate", "Update pricing page", "Migrate CRM fields", "Hire support lead"]),
            "status": rng.pick(&["todo", "doing", "done"]),
            "due_date": date(rng),
            "assignee": format!("{first} {last}"),
        }),
        PayloadKind::Event => {
            let day = date(rng);
            let hour = rng.range(8, 17);
            json!({
                "id": external_id,
                "summary": rng.pick(&["Weekly sync", "Customer call", "Quarterly review", "1:1", "Demo"]),
                "start": format!("{day}T{hour:02}:00:00Z"),
                "end": format!("{day}T{hour:02}:45:00Z"),
                "attendees": rng.range(2, 12),
            })
        }
        PayloadKind::Order => json!({
            "id": external_id,
            "order_number": format!("#{}", rng.range(1_000, 99_999)),
            "total": money(rng, 10, 2_500),
            "currency": rng.pick(&currencies),
            "financial_status": rng.pick(&["paid", "paid", "pending", "refunded"]),
            "customer_email": email(first, last, customer_domain),
        }),
        PayloadKind::Invoice => json!({
            "id": external_id,
            "number": format!("INV-{}", rng.range(10_000, 99_999)),
            "total": money(rng, 100, 90_000),
            "currency": rng.pick(&currencies),
            "status": rng.pick(&["paid", "open", "overdue", "void"]),
            "due_date": date(rng),
        }),
        PayloadKind::Generic => json!({
            "id": external_id,
            "name": format!("{customer} item"),
            "updated_by": email(first, last, org_domain),
        }),
    };
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
