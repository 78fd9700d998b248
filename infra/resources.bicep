// Every resource of one ClientMonitor environment. The Function App reaches storage, Application Insights, Azure
// OpenAI, Communication Services and Key Vault with one user-assigned managed identity; no keys are stored.
param location string
param tags object
param principalId string
param deployOpenAi bool
param openAiModel string
param openAiModelVersion string
param openAiCapacity int
param authAudience string
param alertRecipients string
param slackChannel string
param webhookUrl string
param googleEngineId string
@secure()
param newsApiKey string
@secure()
param serperApiKey string
@secure()
param googleApiKey string
@secure()
param salesforceClientId string
@secure()
param salesforceClientSecret string
@secure()
param salesforceRefreshToken string
@secure()
param hubSpotAccessToken string
@secure()
param slackToken string
@secure()
param webhookSecret string
@secure()
param emailTrackingKey string
@minValue(0)
@maxValue(3)
param durableAlwaysReadyInstances int

var token = uniqueString(subscription().id, resourceGroup().id, location)

// The tables and queues the app uses (StorageSetup.Tables and StorageSetup.Queues; a test keeps them equal).
var tableNames = [
  'functionactivity'
  'poisonmessages'
  'businesses'
  'users'
  'clients'
  'userpreferences'
  'rawdata'
  'events'
  'notifications'
  'jobruns'
  'clientruns'
  'providerquota'
  'schedules'
  'dueindex'
  'schedulerstate'
  'emaillogs'
  'alerts'
  'alertdeliveries'
  'digeststate'
  'sendrate'
  'reports'
]
var queueNames = [
  'notifications'
  'notifications-poison'
]

// Built-in roles (ids from the Azure built-in roles reference).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  cognitiveServicesOpenAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  // Communication Services: sending email with an Entra token needs write access to the resource; Contributor on
  // the one ACS resource is the narrowest built-in role documented to work (see infra/README.md).
  contributor: 'b24988ac-6181-42a0-ab88-20f7382dd24c'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-clientmonitor-${token}'
  location: location
  tags: tags
}

// Storage: the app's tables and queues, the Durable Functions task hub (created by the Durable extension at start-up,
// see infra/README.md), and the deployment package container. Shared keys are off.
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stcm${token}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'app-package'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for name in tableNames: {
  parent: tableService
  name: name
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for name in queueNames: {
  parent: queueService
  name: name
}]

// Monitoring: ingestion only with Entra (local auth disabled).
resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-clientmonitor-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-clientmonitor-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'clientmonitor-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'ClientMonitor operations'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('workbook.json')
  }
}

// Email: Communication Services with an Azure-managed domain (DoNotReply@<guid>.azurecomm.net).
resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: 'email-clientmonitor-${token}'
  location: 'global'
  tags: tags
  properties: { dataLocation: 'United States' }
}

resource emailDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: 'acs-clientmonitor-${token}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: 'United States'
    linkedDomains: [ emailDomain.id ]
  }
}

// Optional Azure OpenAI for classification and insights (Entra only).
resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' = if (deployOpenAi) {
  name: 'oai-clientmonitor-${token}'
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: { name: 'S0' }
  properties: {
    customSubDomainName: 'oai-clientmonitor-${token}'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource openAiDeployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = if (deployOpenAi) {
  parent: openAi
  name: openAiModel
  sku: {
    name: 'GlobalStandard'
    capacity: openAiCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: openAiModel
      version: openAiModelVersion
    }
  }
}

// Key Vault for third-party secrets, read by the app through Key Vault references.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-cm-${token}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

var secretValues = [
  { name: 'newsapi-key', setting: 'Providers__NewsApi__ApiKey', value: newsApiKey }
  { name: 'serper-key', setting: 'Providers__Serper__ApiKey', value: serperApiKey }
  { name: 'google-key', setting: 'Providers__Google__ApiKey', value: googleApiKey }
  { name: 'salesforce-client-id', setting: 'Providers__Salesforce__ClientId', value: salesforceClientId }
  { name: 'salesforce-client-secret', setting: 'Providers__Salesforce__ClientSecret', value: salesforceClientSecret }
  { name: 'salesforce-refresh-token', setting: 'Providers__Salesforce__RefreshToken', value: salesforceRefreshToken }
  { name: 'hubspot-token', setting: 'Providers__HubSpot__AccessToken', value: hubSpotAccessToken }
  { name: 'slack-token', setting: 'Alerts__SlackToken', value: slackToken }
  { name: 'webhook-secret', setting: 'Alerts__WebhookSecret', value: webhookSecret }
  { name: 'email-tracking-key', setting: 'Email__TrackingKey', value: emailTrackingKey }
]
var setSecrets = filter(secretValues, s => !empty(s.value))

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for s in setSecrets: {
  parent: vault
  name: s.name
  properties: { value: s.value }
}]

// Role assignments: exactly what the app touches.
// Blob: the Functions host's own blobs, the deployment package, and the Durable task hub's containers and blob leases.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Queue: the app's queues and the Durable task hub's control and work-item queues (created, read, written, deleted).
resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Table: the app's tables and the Durable task hub's Instances, History and Partitions tables.
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource openAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deployOpenAi) {
  name: guid(resourceGroup().id, 'openai', identity.id, roles.cognitiveServicesOpenAiUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesOpenAiUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource emailSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, identity.id, roles.contributor)
  scope: communication
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.contributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The deploying person: table and queue data (to look at what the app stored) and Key Vault secrets (to rotate them).
resource deployerTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(storage.id, principalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'User'
  }
}

resource deployerSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: principalId
    principalType: 'User'
  }
}

// The Function App: Flex Consumption running the .NET 10 isolated worker; job runs are Durable Functions orchestrations
// on the Azure Storage provider (task hub in the storage account above, reached with the managed identity).
resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-clientmonitor-${token}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: { reserved: true }
}

var appName = 'func-clientmonitor-${token}'
var publicUrl = 'https://${appName}.azurewebsites.net'
var emailFrom = 'DoNotReply@${emailDomain.properties.fromSenderDomain}'

// Identity-based AzureWebJobsStorage: the host, the app's tables and queues and the Durable Azure Storage provider all
// use this connection, which needs the blob, queue and table service URIs.
var baseSettings = [
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
  { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.properties.primaryEndpoints.blob }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.properties.primaryEndpoints.table }
  // The Durable task hub's name; host.json reads it as %DurableTaskHubName% (letters and digits, 3-45 characters).
  { name: 'DurableTaskHubName', value: 'clientmonitor' }
  // Known issue Azure/azure-functions-dotnet-worker#3335: .NET 10 isolated apps on Flex Consumption exit with code 139;
  // this setting is the workaround given there. Remove it once the issue is fixed (infra/README.md).
  { name: 'WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED', value: '0' }
  { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
  { name: 'Auth__Authority', value: '${environment().authentication.loginEndpoint}${subscription().tenantId}/v2.0' }
  { name: 'Auth__Audience', value: authAudience }
  { name: 'Providers__UseMocks', value: 'false' }
  { name: 'Providers__GdeltEnabled', value: 'true' }
  { name: 'Providers__Ai__Provider', value: deployOpenAi ? 'azure_openai' : 'rule_based' }
  { name: 'Providers__Google__EngineId', value: googleEngineId }
  { name: 'Email__Provider', value: 'acs' }
  { name: 'Email__Acs__Endpoint', value: 'https://${communication.properties.hostName}' }
  { name: 'Email__FromAddress', value: emailFrom }
  { name: 'Email__FromName', value: 'ClientMonitor' }
  // Azure-managed domains send at most 5 emails a minute and 10 an hour; a custom domain lifts this (infra/README.md).
  { name: 'Email__PerMinuteLimit', value: '5' }
  { name: 'Email__PerHourLimit', value: '10' }
  { name: 'Email__PublicBaseUrl', value: publicUrl }
  { name: 'Alerts__Recipients', value: alertRecipients }
  { name: 'Alerts__SlackChannel', value: slackChannel }
  { name: 'Alerts__WebhookUrl', value: webhookUrl }
]
// Only with the OpenAI account: an empty endpoint would not bind as a URI.
var openAiSettings = deployOpenAi ? [
  { name: 'Providers__Ai__AzureOpenAI__Endpoint', value: 'https://oai-clientmonitor-${token}.openai.azure.com/' }
  { name: 'Providers__Ai__AzureOpenAI__Model', value: openAiModel }
  { name: 'Providers__Ai__AzureOpenAI__UseEntraId', value: 'true' }
] : []
var secretSettings = [for s in setSecrets: {
  name: s.setting
  value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${s.name})'
}]

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}app-package'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: 40
        instanceMemoryMB: 2048
        // Microsoft's Flex guidance for Durable on the Azure Storage provider: one always-ready instance for the
        // `durable` group (orchestrations and activities), so queued work does not wait for a cold start. Billed
        // while idle (infra/README.md, "Costs at idle"); 0 turns it off.
        alwaysReady: durableAlwaysReadyInstances > 0 ? [
          {
            name: 'durable'
            instanceCount: durableAlwaysReadyInstances
          }
        ] : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      appSettings: concat(baseSettings, openAiSettings, secretSettings)
    }
  }
  dependsOn: [
    blobOwner
    queueContributor
    tableContributor
    secretsUser
    secrets
  ]
}

output functionAppName string = functionApp.name
output apiUrl string = '${publicUrl}/api'
output appInsightsName string = appInsights.name
output workbookUrl string = '${environment().portal}/#@${subscription().tenantId}/resource${workbook.id}/workbook'
output keyVaultName string = vault.name
output emailSender string = emailFrom
