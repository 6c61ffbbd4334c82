// Guestkeeper on Azure Functions Flex Consumption, after Azure-Samples/functions-quickstart-python-http-azd
// (docs/deploy.md says where it departs). Identity-based everywhere: no keys, no connection strings.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment, which is used to generate a short unique hash used in all resources.')
param environmentName string

@minLength(1)
@description('Primary location for all resources and the Flex Consumption Function App')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'eastus2euap'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the person running azd (AZURE_PRINCIPAL_ID): may read the webhook secret. Empty: nobody.')
param principalId string = ''

// Tenant-specific settings (azd env set NAME value; the app setting of the same name).
@minLength(36)
@description('ONBOARDING_ALLOWED_GROUP_IDS: object ids of the Microsoft 365 groups guests may join, comma-separated.')
param onboardingAllowedGroupIds string

@description('ONBOARDING_ALLOWED_DOMAINS: e-mail domains allowed (fabrikam.com, *.fabrikam.com); empty: any not denied.')
param onboardingAllowedDomains string = ''

@description('ONBOARDING_DENIED_DOMAINS: e-mail domains refused (wins over the allow list).')
param onboardingDeniedDomains string = ''

@description('REVIEW_FALLBACK_REVIEWERS: reviewers of groups without owners, user:<object id>,group:<object id>.')
param reviewFallbackReviewers string = ''

@description('REVIEW_EXCLUDED_GROUP_IDS: object ids of Microsoft 365 groups left out of the guest review.')
param reviewExcludedGroupIds string = ''

@description('REVIEW_START_DATE: YYYY-MM-DD that anchors the review cadence; empty: the next quarter\'s first day.')
param reviewStartDate string = ''

@description('INVITE_REMIND_AFTER_DAYS: days an invitation stays pending before its one reminder; 0: no reminder.')
param inviteRemindAfterDays string = '0'

@description('INVITE_EXPIRE_AFTER_DAYS: days before a pending guest leaves the managed groups and is deleted; 0: never.')
param inviteExpireAfterDays string = '0'

@description('HR_CALLBACK_URL: https URL that receives each guest outcome as a signed Standard Webhooks POST; empty: none.')
param hrCallbackUrl string = ''

@minLength(1)
@description('GOVERNANCE_SCHEDULE: six-field NCRONTAB schedule of the governance timer (UTC).')
param governanceSchedule string = '0 0 2 * * *'

@allowed([
  'true'
  'false'
])
@description('GOVERNANCE_DRY_RUN: on for a first deployment; the audit and logs show what a pass would change.')
param governanceDryRun string = 'true'

@allowed([
  'true'
  'false'
])
@description('CLEANUP_DRY_RUN: on for a first deployment; cleanup audits what it would remove or disable.')
param cleanupDryRun string = 'true'

@secure()
@minLength(30)
@description('WEBHOOK_SECRET: whsec_ followed by base64 of 16 bytes or more; stored in Key Vault only.')
param webhookSecret string

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
var webhookSecretName = 'webhook-secret'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The app's one identity: host storage, Application Insights, Key Vault references and Microsoft
// Graph (GRAPH_AUTH_MODE=managed_identity). Graph application permissions are granted to it after
// provisioning (python -m scripts.grant_permissions), not here: that needs a Graph administrator.
module apiUserAssignedIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'apiUserAssignedIdentity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
  }
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'appserviceplan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
    location: location
    tags: tags
  }
}

// Every setting the app reads (shared/config*.py; README, Settings), each with the app's default
// unless a parameter above sets it. Two deliberate choices for a first deployment: both dry runs
// on, and Graph through the managed identity. tests/infra/test_app_settings.py keeps this list,
// the code and local.settings.sample.json in agreement.
var appSettings = {
  GRAPH_BASE_URL: 'https://graph.microsoft.com/v1.0'
  GRAPH_AUTH_MODE: 'managed_identity'
  AZURE_CLIENT_ID: apiUserAssignedIdentity.outputs.clientId
  AZURE_TENANT_ID: ''
  WEBHOOK_SECRET: '@Microsoft.KeyVault(VaultName=${keyVault.outputs.name};SecretName=${keyVault.outputs.webhookSecretName})'
  WEBHOOK_TOLERANCE_SECONDS: '300'
  ONBOARDING_ALLOWED_GROUP_IDS: onboardingAllowedGroupIds
  ONBOARDING_ALLOWED_DOMAINS: onboardingAllowedDomains
  ONBOARDING_DENIED_DOMAINS: onboardingDeniedDomains
  ONBOARDING_REDIRECT_URL: 'https://myapps.microsoft.com'
  ONBOARDING_ALLOWED_REDIRECT_URLS: ''
  ONBOARDING_DENIAL_COOLDOWN_DAYS: '90'
  ONBOARDING_MAX_BODY_BYTES: '262144'
  ONBOARDING_MAX_BATCH_GUESTS: '200'
  STATE_TABLE_NAME: 'guestkeeper'
  GOVERNANCE_SCHEDULE: governanceSchedule
  GOVERNANCE_DRY_RUN: governanceDryRun
  GUEST_DELETE_GRACE_DAYS: '30'
  INVITE_REMIND_AFTER_DAYS: inviteRemindAfterDays
  INVITE_EXPIRE_AFTER_DAYS: inviteExpireAfterDays
  HR_CALLBACK_URL: hrCallbackUrl
  HR_CALLBACK_QUEUE_NAME: 'hr-callbacks'
  CLEANUP_QUEUE_NAME: 'review-cleanup'
  CLEANUP_REMOVAL_MODE: 'remove'
  CLEANUP_DRY_RUN: cleanupDryRun
  CLEANUP_MAX_DENIAL_SHARE: '0.5'
  CLEANUP_GUARD_MIN_DECISIONS: '10'
  CLEANUP_MAX_DEQUEUE_COUNT: '5'
  OFFBOARDING_DRY_RUN: 'false'
  OFFBOARDING_MAX_BODY_BYTES: '262144'
  OFFBOARDING_MAX_BATCH_GUESTS: '200'
  REVIEW_DISPLAY_NAME: 'Guestkeeper: quarterly guest access review (all Microsoft 365 groups)'
  REVIEW_RECURRENCE_TYPE: 'absoluteMonthly'
  REVIEW_RECURRENCE_INTERVAL: '3'
  REVIEW_START_DATE: reviewStartDate
  REVIEW_INSTANCE_DURATION_DAYS: '14'
  REVIEW_FALLBACK_REVIEWERS: reviewFallbackReviewers
  REVIEW_DEFAULT_DECISION_ENABLED: 'false'
  REVIEW_DEFAULT_DECISION: 'None'
  REVIEW_AUTO_APPLY: 'true'
  REVIEW_ALLOW_AUTO_APPLY_WITH_DENY: 'false'
  REVIEW_APPLY_ACTION: 'removeAccessApplyAction'
  REVIEW_RECOMMENDATIONS: 'true'
  REVIEW_RECOMMENDATION_LOOKBACK_DAYS: '30'
  REVIEW_JUSTIFICATION_REQUIRED: 'true'
  REVIEW_MAIL_NOTIFICATIONS: 'true'
  REVIEW_REMINDER_NOTIFICATIONS: 'true'
  REVIEW_EXCLUDED_GROUP_IDS: reviewExcludedGroupIds
  REVIEW_INACTIVE_DAYS: ''
  REVIEW_TEAMS_ONLY: 'false'
  REVIEW_REVIEWERS: 'owners'
  REVIEW_STAGES: '1'
  REVIEW_SPONSOR_STAGE_DAYS: '7'
  REVIEW_OWNER_STAGE_DAYS: '7'
}

module api './app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.name
    appServicePlanId: appServicePlan.outputs.resourceId
    runtimeName: 'python'
    runtimeVersion: '3.11'
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    identityId: apiUserAssignedIdentity.outputs.resourceId
    identityClientId: apiUserAssignedIdentity.outputs.clientId
    appSettings: appSettings
  }
  // The app starts with its roles in place: storage for the host, the secret for its Key Vault reference.
  dependsOn: [
    rbac
  ]
}

// Backing storage: host (keys, timer locks, deployment package), the state table, the cleanup queue.
module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // Microsoft Entra authorization only: there is no key to leak
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        {
          name: deploymentStorageContainerName
        }
      ]
    }
    minimumTlsVersion: 'TLS1_2'
    location: location
    tags: tags
  }
}

module keyVault './app/keyvault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    webhookSecretName: webhookSecretName
    webhookSecret: webhookSecret
  }
}

module rbac './app/rbac.bicep' = {
  name: 'rbacAssignments'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.name
    keyVaultName: keyVault.outputs.name
    webhookSecretName: keyVault.outputs.webhookSecretName
    managedIdentityPrincipalId: apiUserAssignedIdentity.outputs.principalId
    userIdentityPrincipalId: principalId
  }
}

// Monitor application with Azure Monitor - Log Analytics and Application Insights
module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.7.0' = {
  name: '${uniqueString(deployment().name, location)}-loganalytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module monitoring 'br/public:avm/res/insights/component:0.4.1' = {
  name: '${uniqueString(deployment().name, location)}-appinsights'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true // ingestion only with a Microsoft Entra token (Monitoring Metrics Publisher)
  }
}

// What the next steps need (README, Deploy); azd writes them to .azure/<environment>/.env.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.SERVICE_API_NAME
output AZURE_FUNCTION_NAME string = api.outputs.SERVICE_API_NAME
output MANAGED_IDENTITY_PRINCIPAL_ID string = apiUserAssignedIdentity.outputs.principalId
output MANAGED_IDENTITY_CLIENT_ID string = apiUserAssignedIdentity.outputs.clientId
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output WEBHOOK_SECRET_NAME string = keyVault.outputs.webhookSecretName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name
