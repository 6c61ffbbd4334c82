// The Key Vault holding WEBHOOK_SECRET. The Function App reads it through a Key Vault reference with
// its user-assigned identity (Key Vault Secrets User on this one secret, granted in rbac.bicep).
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Name of the secret that holds the Standard Webhooks secret.')
param webhookSecretName string

@secure()
@description('The Standard Webhooks secret shared with the HR system: whsec_ followed by base64 of 16 bytes or more.')
param webhookSecret string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC only: no access policies, so the role assignments in rbac.bicep are the whole story.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Purge protection stays off (it cannot be turned off once on): the one secret here can be
    // reissued, and `azd down --purge` must be able to free the vault name for a new environment.
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: webhookSecretName
  properties: {
    value: webhookSecret
    contentType: 'Standard Webhooks secret (whsec_ + base64)'
  }
}

output name string = vault.name
output webhookSecretName string = secret.name
