//! Providers that exist only in the catalog (`GET /providers`), one per line:
//! `name|display name|auth mode|category|API base URL`.

const TABLE: &str = "\
github|GitHub (User OAuth)|OAUTH2|dev-tools|https://api.github.com
gitlab|GitLab|OAUTH2|dev-tools|https://gitlab.com
bitbucket|Bitbucket|OAUTH2|dev-tools|https://api.bitbucket.org
asana|Asana|OAUTH2|productivity|https://app.asana.com
monday|Monday|OAUTH2|productivity|https://api.monday.com
clickup|ClickUp|OAUTH2|productivity|https://api.clickup.com
confluence|Confluence|OAUTH2|knowledge-base|https://api.atlassian.com
microsoft-teams|Microsoft Teams|OAUTH2|communication|https://graph.microsoft.com
outlook|Outlook|OAUTH2|communication|https://graph.microsoft.com
sharepoint-online|SharePoint Online|OAUTH2|knowledge-base|https://graph.microsoft.com
one-drive|OneDrive|OAUTH2|storage|https://graph.microsoft.com
google-drive|Google Drive|OAUTH2|storage|https://www.googleapis.com
google-mail|Gmail|OAUTH2|communication|https://gmail.googleapis.com
google-sheet|Google Sheets|OAUTH2|productivity|https://sheets.googleapis.com
dropbox|Dropbox|OAUTH2|storage|https://api.dropboxapi.com
box|Box|OAUTH2|storage|https://api.box.com
quickbooks|QuickBooks|OAUTH2|accounting|https://quickbooks.api.intuit.com
xero|Xero|OAUTH2|accounting|https://api.xero.com
sage|Sage|OAUTH2|accounting|https://api.accounting.sage.com
freshbooks|FreshBooks|OAUTH2|accounting|https://api.freshbooks.com
zoho-crm|Zoho CRM|OAUTH2|crm|https://www.zohoapis.com
zoho-books|Zoho Books|OAUTH2|accounting|https://www.zohoapis.com
close|Close|API_KEY|crm|https://api.close.com
attio|Attio|OAUTH2|crm|https://api.attio.com
copper|Copper|OAUTH2|crm|https://api.copper.com
affinity|Affinity|BASIC|crm|https://api.affinity.co
microsoft-dynamics-365|Microsoft Dynamics 365|OAUTH2|crm|https://${connectionConfig.organization}.crm.dynamics.com
zoom|Zoom|OAUTH2|video|https://api.zoom.us
gong|Gong|OAUTH2|communication|https://api.gong.io
calendly|Calendly|OAUTH2|productivity|https://api.calendly.com
docusign|DocuSign|OAUTH2|legal|https://account.docusign.com
pandadoc|PandaDoc|OAUTH2|legal|https://api.pandadoc.com
greenhouse-basic|Greenhouse (Basic Auth)|BASIC|ats|https://harvest.greenhouse.io
lever|Lever|OAUTH2|ats|https://api.lever.co
ashby|Ashby|BASIC|ats|https://api.ashbyhq.com
workable|Workable|API_KEY|ats|https://${connectionConfig.subdomain}.workable.com
bamboohr|BambooHR|OAUTH2|hr|https://api.bamboohr.com
personio|Personio|OAUTH2_CC|hr|https://api.personio.de
gusto|Gusto|OAUTH2|hr|https://api.gusto.com
rippling|Rippling|OAUTH2|hr|https://api.rippling.com
deel|Deel|OAUTH2|hr|https://api.letsdeel.com
workday|Workday|BASIC|hr|https://${connectionConfig.hostname}
okta|Okta|OAUTH2|dev-tools|https://${connectionConfig.subdomain}.okta.com
auth0-cc|Auth0 (Client Credentials)|OAUTH2_CC|dev-tools|https://${connectionConfig.subdomain}.auth0.com
pagerduty|PagerDuty|OAUTH2|dev-tools|https://api.pagerduty.com
sentry|Sentry|OAUTH2|dev-tools|https://sentry.io
datadog|Datadog|API_KEY|dev-tools|https://api.datadoghq.com
posthog|PostHog|API_KEY|analytics|https://app.posthog.com
mixpanel|Mixpanel|BASIC|analytics|https://mixpanel.com
amplitude|Amplitude|BASIC|analytics|https://amplitude.com
segment|Segment|OAUTH2|analytics|https://api.segmentapis.com
mailchimp|Mailchimp|OAUTH2|marketing|https://login.mailchimp.com
sendgrid|SendGrid|API_KEY|marketing|https://api.sendgrid.com
klaviyo|Klaviyo|OAUTH2|marketing|https://a.klaviyo.com
marketo|Marketo|OAUTH2_CC|marketing|https://${connectionConfig.endpoint}
pardot|Pardot|OAUTH2|marketing|https://pi.pardot.com
twilio|Twilio|BASIC|communication|https://api.twilio.com
aircall|Aircall|OAUTH2|communication|https://api.aircall.io
front|Front|OAUTH2|support|https://api2.frontapp.com
gorgias|Gorgias|OAUTH2|support|https://${connectionConfig.subdomain}.gorgias.com
help-scout-mailbox|Help Scout Mailbox|OAUTH2|support|https://api.helpscout.net
servicenow|ServiceNow|OAUTH2|ticketing|https://${connectionConfig.subdomain}.service-now.com
freshservice|Freshservice|BASIC|ticketing|https://${connectionConfig.subdomain}.freshservice.com
shortcut|Shortcut|API_KEY|ticketing|https://api.app.shortcut.com
height|Height|OAUTH2|ticketing|https://api.height.app
miro|Miro|OAUTH2|design|https://api.miro.com
figma|Figma|OAUTH2|design|https://api.figma.com
canva|Canva|OAUTH2|design|https://api.canva.com
woocommerce|WooCommerce|BASIC|e-commerce|https://${connectionConfig.hostname}
bigcommerce|BigCommerce|OAUTH2|e-commerce|https://api.bigcommerce.com
amazon|Amazon Selling Partner|OAUTH2|e-commerce|https://sellingpartnerapi-na.amazon.com
ebay|eBay|OAUTH2|e-commerce|https://api.ebay.com
square|Square|OAUTH2|payment|https://connect.squareup.com
brex|Brex|OAUTH2|payment|https://platform.brexapis.com
ramp|Ramp|OAUTH2_CC|payment|https://api.ramp.com
plaid|Plaid|API_KEY|banking|https://production.plaid.com
mercury|Mercury|API_KEY|banking|https://api.mercury.com
snowflake|Snowflake|OAUTH2|analytics|https://${connectionConfig.snowflake_account_id}.snowflakecomputing.com
databricks-workspace|Databricks Workspace|OAUTH2|analytics|https://${connectionConfig.databricksInstance}
bigquery|BigQuery|OAUTH2|analytics|https://bigquery.googleapis.com
aws-iam|AWS IAM|BASIC|dev-tools|https://iam.amazonaws.com
azure-devops|Azure DevOps|BASIC|dev-tools|https://dev.azure.com
vercel|Vercel|OAUTH2|dev-tools|https://api.vercel.com
netlify|Netlify|OAUTH2|dev-tools|https://api.netlify.com
heroku|Heroku|OAUTH2|dev-tools|https://api.heroku.com
digitalocean|DigitalOcean|OAUTH2|dev-tools|https://api.digitalocean.com
discord|Discord|OAUTH2|communication|https://discord.com/api
linkedin|LinkedIn|OAUTH2|social|https://api.linkedin.com
twitter-v2|Twitter (v2)|OAUTH2|social|https://api.twitter.com
facebook|Facebook|OAUTH2|social|https://graph.facebook.com
instagram|Instagram|OAUTH2|social|https://graph.instagram.com
youtube|YouTube|OAUTH2|social|https://www.googleapis.com
typeform|Typeform|OAUTH2|surveys|https://api.typeform.com
surveymonkey|SurveyMonkey|OAUTH2|surveys|https://api.surveymonkey.com
qualtrics|Qualtrics|API_KEY|surveys|https://${connectionConfig.subdomain}.qualtrics.com
webflow|Webflow|OAUTH2|design|https://api.webflow.com
wordpress|WordPress|OAUTH2|knowledge-base|https://public-api.wordpress.com
contentful|Contentful|OAUTH2|knowledge-base|https://api.contentful.com
guru|Guru|BASIC|knowledge-base|https://api.getguru.com
coda|Coda|API_KEY|productivity|https://coda.io
smartsheet|Smartsheet|OAUTH2|productivity|https://api.smartsheet.com
todoist|Todoist|OAUTH2|productivity|https://api.todoist.com
harvest|Harvest|OAUTH2|productivity|https://api.harvestapp.com
expensify|Expensify|API_KEY|accounting|https://integrations.expensify.com
bill|Bill|BILL|accounting|https://gateway.prod.bill.com
netsuite|NetSuite|OAUTH2|erp|https://${connectionConfig.accountId}.suitetalk.api.netsuite.com
sap-success-factors|SAP SuccessFactors|SIGNATURE|hr|https://${connectionConfig.apiServer}
aws|AWS|AWS_SIGV4|dev-tools|https://sts.amazonaws.com
ghost-admin|Ghost (Admin API)|JWT|knowledge-base|https://${connectionConfig.hostname}
unauthenticated|Unauthenticated|NONE|other|";

/// (name, display name, auth mode, category, API base URL) of every catalog-only provider.
pub(crate) fn catalog_only() -> impl Iterator<
    Item = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ),
> {
    TABLE.lines().filter_map(|line| {
        let mut parts = line.split('|');
        Some((
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        ))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_line_parses() {
        assert_eq!(super::catalog_only().count(), super::TABLE.lines().count());
        assert!(
            super::catalog_only().all(|(name, _, auth, _, _)| !name.is_empty() && !auth.is_empty())
        );
    }
}
