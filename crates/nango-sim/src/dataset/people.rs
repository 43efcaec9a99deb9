//! Names for end users and their companies: enterprise customers of the Nango user.

/// A customer company: display name, slug (used in ids) and e-mail domain.
pub(crate) struct Company {
    pub name: &'static str,
    pub slug: &'static str,
    pub domain: &'static str,
}

const fn company(name: &'static str, slug: &'static str, domain: &'static str) -> Company {
    Company { name, slug, domain }
}

pub(crate) const COMPANIES: &[Company] = &[
    company("Acme Corp", "acme-corp", "acme.com"),
    company("Globex", "globex", "globex.com"),
    company("Initech", "initech", "initech.com"),
    company("Umbrella Corporation", "umbrella", "umbrella-corp.com"),
    company(
        "Stark Industries",
        "stark-industries",
        "starkindustries.com",
    ),
    company("Wayne Enterprises", "wayne-enterprises", "wayne.com"),
    company("Wonka Industries", "wonka", "wonka.com"),
    company("Cyberdyne Systems", "cyberdyne", "cyberdyne.io"),
    company("Hooli", "hooli", "hooli.xyz"),
    company("Pied Piper", "pied-piper", "piedpiper.com"),
    company("Massive Dynamic", "massive-dynamic", "massivedynamic.com"),
    company("Tyrell Corporation", "tyrell", "tyrell.com"),
    company("Vandelay Industries", "vandelay", "vandelay.com"),
    company("Dunder Mifflin", "dunder-mifflin", "dundermifflin.com"),
    company("Oscorp", "oscorp", "oscorp.com"),
    company("Aperture Science", "aperture", "aperturescience.com"),
    company("Soylent Corp", "soylent", "soylent.com"),
    company("Nakatomi Trading", "nakatomi", "nakatomi.co.jp"),
    company("Weyland-Yutani", "weyland-yutani", "weyland.com"),
    company("Virtucon", "virtucon", "virtucon.com"),
    company("Sterling Cooper", "sterling-cooper", "sterlingcooper.com"),
    company("Bluth Company", "bluth", "bluthcompany.com"),
    company(
        "Prestige Worldwide",
        "prestige-worldwide",
        "prestigeworldwide.com",
    ),
    company("Gekko & Co", "gekko", "gekko.co"),
    company("Blue Sun", "blue-sun", "bluesun.com"),
    company("InGen", "ingen", "ingen.com"),
    company("Omni Consumer Products", "ocp", "ocp.com"),
    company("Buy n Large", "bnl", "buynlarge.com"),
    company("Rekall", "rekall", "rekall.com"),
    company("Sirius Cybernetics", "sirius", "sirius-cybernetics.com"),
    company("Zorg Industries", "zorg", "zorg.com"),
    company("Monarch Solutions", "monarch", "monarch.solutions"),
    company("Northwind Traders", "northwind", "northwind.com"),
    company("Contoso", "contoso", "contoso.com"),
    company("Fabrikam", "fabrikam", "fabrikam.com"),
    company("Tailspin Toys", "tailspin", "tailspintoys.com"),
    company("Litware", "litware", "litware.com"),
    company("Adventure Works", "adventure-works", "adventure-works.com"),
    company(
        "Wide World Importers",
        "wide-world",
        "wideworldimporters.com",
    ),
    company("Proseware", "proseware", "proseware.com"),
];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Alex", "Sarah", "Priya", "James", "Maria", "Wei", "Fatima", "Lucas", "Emma", "Noah", "Olivia",
    "Liam", "Aisha", "Mateo", "Chloe", "Hiroshi", "Ingrid", "Kwame", "Sofia", "Daniel", "Elena",
    "Omar", "Grace", "Ravi", "Hannah", "Diego", "Mei", "Jonas", "Amara", "Tomas",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Patel",
    "Garcia",
    "Chen",
    "Müller",
    "Okafor",
    "Rossi",
    "Nguyen",
    "Kim",
    "Dubois",
    "Silva",
    "Cohen",
    "Tanaka",
    "Andersson",
    "Kowalski",
    "Haddad",
    "Murphy",
    "Novak",
    "Fernandez",
    "Schmidt",
    "Ivanova",
    "Singh",
    "Mensah",
    "Larsen",
    "Costa",
    "Yilmaz",
    "Brown",
    "Wilson",
    "Lopez",
];

pub(crate) const JOB_TITLES: &[&str] = &[
    "VP Sales",
    "Head of RevOps",
    "CTO",
    "Account Executive",
    "Customer Success Manager",
    "Procurement Lead",
    "CFO",
    "Engineering Manager",
    "IT Administrator",
    "Operations Director",
];

pub(crate) const CSM_NAMES: &[&str] = &["Dana Scully", "Fox Mulder", "Leslie Knope", "Ron Swanson"];
