class Irreversible < ActiveRecord::Migration[7.1]
  def up
    remove_column :orders, :old_total, :integer
  end

  def down
    raise ActiveRecord::IrreversibleMigration
  end
end
