class DropWishlists < ActiveRecord::Migration[7.1]
  def up
    drop_table :wishlists
    change_table :customers do |t|
      t.remove :fax
      t.rename :phone, :phone_number
      t.string :locale, null: false
      t.index :email, unique: true
    end
    execute <<~SQL
      ALTER TABLE customers ALTER COLUMN email SET NOT NULL;
    SQL
  end
end
